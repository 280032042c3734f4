"""What WeasyPrint's tags leave out or get wrong, put right, so that every PDF reads in a screen reader (PDF/UA-1).

WeasyPrint tags a PDF (pdf_variant "pdf/ua-1" or "pdf/a-3a") with a structure tree built from the HTML. Where the
tree needs what only the HTML knows, this module adds it while WeasyPrint builds the tree (`mark_languages`, hooked
in once by eventmgr.pdf): the /Lang of an element written in another language than the page, such as a session's
English title in a Russian agenda (WeasyPrint gives the document's language alone).

The rest is mended in the written file (`mend`), with pikepdf:

- the page margins' content (the running header, the reference, "Page 1 of 2") comes out as marked content that no
  element of the tree holds (WeasyPrint keeps it out of the tree, since an Artifact element exists only in PDF 2.0):
  it becomes pagination artifacts, which screen readers skip;
- lists: one laid out in columns comes out as a list inside a list, a nested list directly inside its parent list,
  and an item made of blocks without an LBody; each list is made of LI items of a Lbl and an LBody, a nested list
  going into its item's LBody;
- headings never skip a level going down (Markdown in a session's description may), as PDF/UA requires.
"""

import io
import re

import pikepdf
import pydyf
from pikepdf import Array, Dictionary, Name

HEADING = re.compile(r"/H([1-6])")


# --- While WeasyPrint builds the tree -----------------------------------------------------------------------------


def mark_languages() -> None:
    """Give each structure element of an HTML element with a lang attribute that /Lang (once per process)."""
    from weasyprint.pdf import tags

    build = getattr(tags, "_build_box_tree", None)
    if build is None or getattr(build, "marks_languages", False):
        return  # a WeasyPrint that builds its tree otherwise keeps its tags (tests/test_pdf_accessibility.py tells)

    def build_with_languages(box, *args, **kwargs):
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        # The root's language is the document's (/Lang of the catalogue); html and body yield their children's.
        language = element.get("lang") if element is not None and tag not in ("html", "body") else None
        for built in build(box, *args, **kwargs):
            if language and "Lang" not in built:
                built["Lang"] = pydyf.String(language)
            yield built

    build_with_languages.marks_languages = True
    # WeasyPrint calls the function by its module's name for each box it descends into, so each goes through here.
    tags._build_box_tree = build_with_languages


# --- In the written file ------------------------------------------------------------------------------------------


def mend(pdf: bytes) -> bytes:
    """The PDF with its margins' content as artifacts, its lists and its heading levels as PDF/UA wants them; an
    untagged PDF as it is."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        if "/StructTreeRoot" not in document.Root:
            return pdf
        tree = _Tree(document)
        tree.margins_as_artifacts()
        tree.mend_lists(tree.root)
        tree.level_headings()
        tree.save_parent_tree()
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()


class _Tree:
    """The structure tree of an open PDF and its ParentTree (what holds each page's marked content, by MCID)."""

    def __init__(self, document: pikepdf.Pdf):
        self.document = document
        self.root = document.Root.StructTreeRoot
        #: {StructParents key: [element by MCID] for a page, or the element holding an annotation}
        self.parents: dict[int, object] = {}
        self._read_parent_tree(self.root.get("/ParentTree"))

    def _read_parent_tree(self, node) -> None:
        if node is None:
            return
        nums = list(node.get("/Nums", []))
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            self.parents[int(key)] = list(value) if isinstance(value, pikepdf.Array) else value
        for kid in node.get("/Kids", []):
            self._read_parent_tree(kid)

    def save_parent_tree(self) -> None:
        nums = Array()
        for key in sorted(self.parents):
            value = self.parents[key]
            nums.append(key)
            nums.append(Array(value) if isinstance(value, list) else value)
        self.root.ParentTree = self.document.make_indirect(Dictionary(Nums=nums))

    # Elements

    @staticmethod
    def kids(element) -> list:
        kids = element.get("/K")
        if kids is None:
            return []
        return list(kids) if isinstance(kids, pikepdf.Array) else [kids]

    @staticmethod
    def is_element(kid) -> bool:
        return isinstance(kid, pikepdf.Dictionary) and "/S" in kid

    @staticmethod
    def type_of(kid) -> str | None:
        return str(kid.S) if _Tree.is_element(kid) else None

    def elements(self, element=None):
        """Every element under `element` (the root by default), in reading order."""
        for kid in self.kids(self.root if element is None else element):
            if self.is_element(kid):
                yield kid
                yield from self.elements(kid)

    def new_element(self, kind: str, parent, kids: list, source=None) -> pikepdf.Dictionary:
        """A new element of `kind` in `parent`, holding `kids` taken from `source` (`parent` by default)."""
        element = self.document.make_indirect(Dictionary(Type=Name.StructElem, S=Name(kind), P=parent, K=Array()))
        for kid in kids:
            self.adopt(element, kid, source=parent if source is None else source)
        return element

    def adopt(self, element, kid, source) -> None:
        """Put `kid` (an element, an MCID of `source`'s page, or a reference to content) at the end of `element`."""
        if self.is_element(kid):
            kid.P = element
        elif isinstance(kid, int):
            # Marked content names its element through the ParentTree, by page and MCID.
            element.Pg = source.Pg
            self.parents[int(source.Pg.StructParents)][int(kid)] = element
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            self.parents[int(kid.Obj.StructParent)] = element
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            self.parents[int(kid.get("/Pg", source.get("/Pg")).StructParents)][int(kid.MCID)] = element
        element.K.append(kid)

    # The page margins

    def margins_as_artifacts(self) -> None:
        """Turn the marked content no element of the tree holds (the margins') into pagination artifacts, and number
        each page's remaining marked content from 0 again."""
        in_tree = {element.objgen for element in self.elements()}
        for page in self.document.pages:
            key = page.obj.get("/StructParents")
            holders = self.parents.get(int(key)) if key is not None else None
            if not isinstance(holders, list):
                continue
            outside = {mcid for mcid, holder in enumerate(holders) if not self.in_tree(holder, in_tree)}
            if not outside:
                continue
            kept = [mcid for mcid in range(len(holders)) if mcid not in outside]
            renumbered = {old: new for new, old in enumerate(kept)}
            self._rewrite_marked_content(page, outside, renumbered)
            for holder in {holders[old].objgen: holders[old] for old in kept}.values():
                kids = self.kids(holder)
                holder.K = Array([renumbered.get(kid, kid) if isinstance(kid, int) else kid for kid in kids])
            self.parents[int(key)] = [holders[old] for old in kept]

    def in_tree(self, holder, in_tree: set) -> bool:
        return self.is_element(holder) and holder.objgen in in_tree

    def _rewrite_marked_content(self, page, outside: set, renumbered: dict) -> None:
        instructions = []
        for instruction in pikepdf.parse_content_stream(page):
            operands = list(instruction.operands)
            if str(instruction.operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                mcid = operands[1].get("/MCID")
                if mcid is not None and int(mcid) in outside:
                    operands = [Name.Artifact, Dictionary(Type=Name.Pagination)]
                elif mcid is not None:
                    properties = Dictionary({k: v for k, v in operands[1].items()})
                    properties.MCID = renumbered[int(mcid)]
                    operands = [operands[0], properties]
                instruction = pikepdf.ContentStreamInstruction(operands, instruction.operator)
            instructions.append(instruction)
        page.obj.Contents = self.document.make_stream(pikepdf.unparse_content_stream(instructions))

    # Lists

    def mend_lists(self, element) -> None:
        """Make every list under `element` one of LI items of a Lbl and an LBody, nested lists inside an LBody."""
        if self.type_of(element) == "/L":
            self._mend_list(element)
        for kid in self.kids(element):
            if self.is_element(kid):
                self.mend_lists(kid)

    def _mend_list(self, element) -> None:
        kids = self.kids(element)
        # A list of lists alone is one list laid out in columns (each column box a list of its own).
        while kids and all(self.type_of(kid) == "/L" for kid in kids):
            kids = [grandkid for kid in kids for grandkid in self.kids(kid)]
        items = []
        for kid in kids:
            kind = self.type_of(kid)
            if kind == "/L" and items and self.type_of(items[-1]) == "/LI":
                self.adopt(self._body_of(items[-1]), kid, source=element)
            elif kind in ("/LI", "/Caption"):
                if self.is_element(kid):
                    kid.P = element
                items.append(kid)
            else:
                item = self.new_element("/LI", element, [])
                item.K.append(self.new_element("/LBody", item, [kid], source=element))
                items.append(item)
        element.K = Array(items)
        for item in items:
            if self.type_of(item) == "/LI":
                self._mend_item(item)

    def _mend_item(self, item) -> None:
        """An item holds a Lbl and an LBody: what else it holds goes into an LBody."""
        kids, loose = [], []
        for kid in self.kids(item) + [None]:
            if kid is None or self.type_of(kid) in ("/Lbl", "/LBody"):
                if loose:
                    kids.append(self.new_element("/LBody", item, loose))
                    loose = []
                if kid is not None:
                    kids.append(kid)
            else:
                loose.append(kid)
        item.K = Array(kids)

    def _body_of(self, item) -> pikepdf.Dictionary:
        """The item's (last) LBody, made if it has none."""
        self._mend_item(item)
        bodies = [kid for kid in self.kids(item) if self.type_of(kid) == "/LBody"]
        if bodies:
            return bodies[-1]
        body = self.new_element("/LBody", item, [])
        item.K.append(body)
        return body

    # Headings

    def level_headings(self) -> None:
        """Number headings so that none is more than one level below the one before it (the first one is H1)."""
        level = 0
        for element in self.elements():
            heading = HEADING.fullmatch(str(element.S))
            if heading:
                level = min(int(heading.group(1)), level + 1)
                element.S = Name(f"/H{level}")
