"""Check a PDF as a PDF/UA-1 validator (and, for an archival PDF, a PDF/A one) would, for what eventmgr makes.

`check(pdf)` returns the problems found, one sentence each, so that a test asserts `check(pdf) == []` and a failure
says what is wrong where. It reads the file with pikepdf (qpdf) alone and checks what a screen reader relies on and
the rules of ISO 14289-1 (as veraPDF's PDF/UA-1 profile words them) that eventmgr's PDFs can break:

- the document: a structure tree, /MarkInfo /Marked true, a /Lang, /ViewerPreferences /DisplayDocTitle true, a
  dc:title in the XMP metadata, and PDF/UA identification (pdfuaid:part 1) there;
- the structure tree: headings H1... in order, never skipping a level going down; lists made of LI items of Lbl and
  LBody (no list directly inside a list: a nested list belongs in an item's LBody); tables of rows of cells;
  figures with alternative text (/Alt); every /Lang a language tag;
- the pages' content: every marked-content sequence with an MCID belongs to an element of the tree (through the
  ParentTree, and that element lists it); no text, image or path outside both tagged content and artifacts; no
  artifact inside tagged content nor tagged content inside an artifact;
- links: each annotation has its alternative text (/Contents) and belongs to a Link element; pages with
  annotations have /Tabs /S;
- fonts: embedded, with a ToUnicode map;
- with `archival=True`, PDF/A instead of PDF/UA identification: pdfaid:part and pdfaid:conformance in the XMP
  metadata, the same title there as in the document information, and an OutputIntent with its ICC profile;
- and what qpdf finds wrong with the file's syntax.

veraPDF, the reference validator, is a Java program neither PyPI nor Debian carries; this is the part of its
PDF/UA-1 and PDF/A checks that eventmgr's PDFs could fail.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf

#: Operators that put something on the page and so must be tagged or an artifact (clipping and state changes do not).
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
PAINT_OPERATORS = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh", "EI"}
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
HEADING = re.compile(r"^H([1-6])$")


@dataclass
class Element:
    """A structure element as the checker sees it: its standard type, its kids' types, where it is."""

    obj: pikepdf.Dictionary
    type: str
    path: str
    kids: list["Element"] = field(default_factory=list)
    #: (page's object number, MCID) of the marked content the element holds directly.
    content: set = field(default_factory=set)
    #: Its language: its own /Lang, else its parent's, else the document's.
    language: str = ""
    #: The types of the elements it is in, outermost first, and its own.
    within: tuple[str, ...] = ()


def check(pdf: bytes, archival: bool = False) -> list[str]:
    """What keeps the PDF from being read by a screen reader as tagged (PDF/UA-1) or, if `archival`, archived
    (PDF/A); [] when nothing does."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        problems = _catalogue(document)
        problems += _metadata(document, archival)
        if "/StructTreeRoot" in document.Root:
            elements = list(_walk(document))
            problems += _structure(elements)
            problems += _content(document, elements)
            problems += _annotations(document)
        problems += _fonts(document)
        if archival:
            problems += _output_intent(document)
        problems += [f"qpdf: {problem}" for problem in document.check_pdf_syntax()]
        return problems


# --- The document ---------------------------------------------------------------------------------------------


def _catalogue(document: pikepdf.Pdf) -> list[str]:
    root = document.Root
    problems = []
    if "/StructTreeRoot" not in root:
        problems.append("no structure tree (/StructTreeRoot): the PDF is not tagged")
    if not (root.get("/MarkInfo") and root.MarkInfo.get("/Marked") is True):
        problems.append("/MarkInfo /Marked is not true")
    language = str(root.get("/Lang", ""))
    if not LANGUAGE_TAG.match(language):
        problems.append(f"the document's /Lang is {language!r}, not a language tag")
    preferences = root.get("/ViewerPreferences")
    if not (preferences and preferences.get("/DisplayDocTitle") is True):
        problems.append("/ViewerPreferences /DisplayDocTitle is not true: viewers show the file name, not the title")
    if root.get("/MarkInfo") and root.MarkInfo.get("/Suspects") is True:
        problems.append("/MarkInfo /Suspects is true")
    return problems


def _metadata(document: pikepdf.Pdf, archival: bool) -> list[str]:
    if "/Metadata" not in document.Root:
        return ["no XMP metadata stream in the catalogue"]
    meta = document.open_metadata()
    problems = []
    title = meta.get("dc:title")
    if not title or not str(title).strip():
        problems.append("no dc:title in the XMP metadata")
    if archival:
        part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
        if not part or not conformance:
            problems.append(f"no PDF/A identification in the XMP metadata (part {part!r}, conformance {conformance!r})")
        info_title = str(document.docinfo.get("/Title", "")) if "/Info" in document.trailer else ""
        if info_title and info_title != str(title):
            problems.append(f"the document information's /Title {info_title!r} differs from dc:title {str(title)!r}")
    elif meta.get("pdfuaid:part") != "1":
        problems.append(f"no PDF/UA-1 identification in the XMP metadata (pdfuaid:part {meta.get('pdfuaid:part')!r})")
    return problems


def _output_intent(document: pikepdf.Pdf) -> list[str]:
    intents = document.Root.get("/OutputIntents")
    if not intents:
        return ["no /OutputIntents: a PDF/A file names the colour space it is printed in"]
    problems = []
    for intent in intents:
        if intent.get("/S") != "/GTS_PDFA1":
            problems.append(f"an output intent's /S is {intent.get('/S')}, not /GTS_PDFA1")
        profile = intent.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream) or not profile.read_bytes():
            problems.append("an output intent has no ICC profile (/DestOutputProfile)")
    return problems


# --- The structure tree ---------------------------------------------------------------------------------------


def _walk(document: pikepdf.Pdf) -> Iterator[Element]:
    """Every structure element reachable from the root, in reading order (depth first)."""
    root = document.Root.StructTreeRoot
    role_map = root.get("/RoleMap", {})

    def standard(name: str) -> str:
        seen = set()
        while f"/{name}" in role_map and name not in seen:
            seen.add(name)
            name = str(role_map[f"/{name}"])[1:]
        return name

    def visit(obj, path: str, parent: Element | None) -> Iterator[Element]:
        kind = standard(str(obj.get("/S", "/?"))[1:])
        language = str(obj.get("/Lang", parent.language if parent else document.Root.get("/Lang", "")))
        within = (*(parent.within if parent else ()), kind)
        element = Element(obj, kind, f"{path}/{kind}", language=language, within=within)
        yield element
        for kid in _kids(obj):
            if isinstance(kid, int):
                element.content.add((obj.get("/Pg").objgen[0] if "/Pg" in obj else None, kid))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                page = kid.get("/Pg", obj.get("/Pg"))
                element.content.add((page.objgen[0] if page is not None else None, int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                continue
            elif isinstance(kid, pikepdf.Dictionary):
                children = list(visit(kid, f"{element.path}[{len(element.kids)}]", element))
                element.kids.append(children[0])
                yield from children

    for top in _kids(root):
        yield from visit(top, "", None)


def _kids(obj) -> list:
    kids = obj.get("/K")
    if kids is None:
        return []
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [int(kid) if isinstance(kid, int) else kid for kid in items]


def _structure(elements: list[Element]) -> list[str]:
    problems = []
    parents = {id(kid): element for element in elements for kid in element.kids}
    level = 0
    for element in elements:
        kind, kid_types = element.type, [kid.type for kid in element.kids]
        parent = parents.get(id(element))
        parent_type = parent.type if parent else "StructTreeRoot"
        heading = HEADING.match(kind)
        if heading:
            new_level = int(heading.group(1))
            if level == 0 and new_level != 1:
                problems.append(f"the first heading is {kind}, not H1 ({element.path})")
            elif new_level > level + 1:
                problems.append(f"{kind} follows H{level}, skipping a level ({element.path})")
            level = new_level
        if kind == "L":
            if parent_type == "L":
                problems.append(f"a list directly inside a list, not in an item's LBody ({element.path})")
            if any(t not in ("LI", "Caption") for t in kid_types) or "Caption" in kid_types[1:]:
                problems.append(f"a list holds {kid_types}, not only LI items ({element.path})")
        if kind == "LI":
            if parent_type != "L":
                problems.append(f"a list item inside {parent_type}, not L ({element.path})")
            if any(t not in ("Lbl", "LBody") for t in kid_types) or "LBody" not in kid_types:
                problems.append(f"a list item holds {kid_types}, not a Lbl and an LBody ({element.path})")
        if kind in ("Lbl", "LBody") and parent_type != "LI":
            problems.append(f"{kind} inside {parent_type}, not LI ({element.path})")
        if kind == "Table" and any(t not in ("TR", "THead", "TBody", "TFoot", "Caption") for t in kid_types):
            problems.append(f"a table holds {kid_types} ({element.path})")
        if kind in ("THead", "TBody", "TFoot") and (parent_type != "Table" or any(t != "TR" for t in kid_types)):
            problems.append(f"{kind} inside {parent_type} holding {kid_types} ({element.path})")
        if kind == "TR" and (
            parent_type not in ("Table", "THead", "TBody", "TFoot") or any(t not in ("TH", "TD") for t in kid_types)
        ):
            problems.append(f"a table row inside {parent_type} holding {kid_types} ({element.path})")
        if kind in ("TH", "TD") and parent_type != "TR":
            problems.append(f"a table cell inside {parent_type}, not TR ({element.path})")
        if kind in ("Figure", "Formula") and not (
            str(element.obj.get("/Alt", "")).strip() or str(element.obj.get("/ActualText", "")).strip()
        ):
            problems.append(f"a {kind.lower()} without alternative text (/Alt) ({element.path})")
        if "/Lang" in element.obj and not LANGUAGE_TAG.match(str(element.obj.Lang)):
            problems.append(f"/Lang {str(element.obj.Lang)!r} is not a language tag ({element.path})")
    return problems


# --- The pages' content ---------------------------------------------------------------------------------------


def _content(document: pikepdf.Pdf, elements: list[Element]) -> list[str]:
    """Marked content against the tree, and content that is neither tagged nor an artifact."""
    problems = []
    owner = {}  # (page, MCID) -> element that lists it
    for element in elements:
        for page_number, mcid in element.content:
            owner[(page_number, mcid)] = element
    parent_tree = _parent_tree(document)
    in_tree = {element.obj.objgen for element in elements}
    for index, page in enumerate(document.pages, start=1):
        page_id = page.obj.objgen[0]
        seen: set[int] = set()
        untagged: dict[str, int] = {}
        for issue in _marked_content(page, page.obj.get("/Resources", {}), untagged, seen):
            problems.append(f"page {index}: {issue}")
        for what, count in untagged.items():
            problems.append(f"page {index}: {count} {what} outside tagged content and artifacts")
        mapped = parent_tree.get(page.obj.get("/StructParents"), [])
        for mcid in sorted(seen):
            parent = mapped[mcid] if mcid < len(mapped) else None
            if parent is None or not isinstance(parent, pikepdf.Dictionary):
                problems.append(f"page {index}: MCID {mcid} has no parent in the ParentTree")
            elif parent.objgen not in in_tree:
                problems.append(f"page {index}: MCID {mcid} belongs to a {parent.get('/S')} outside the structure tree")
            elif owner.get((page_id, mcid)) is None or owner[(page_id, mcid)].obj.objgen != parent.objgen:
                problems.append(f"page {index}: MCID {mcid}'s parent element does not list it")
    return problems


def _parent_tree(document: pikepdf.Pdf) -> dict[int, list]:
    """The ParentTree as {StructParents key: value} (a page's array of elements by MCID, or an element)."""
    found: dict[int, list] = {}

    def visit(node):
        nums = node.get("/Nums")
        if nums is not None:
            for key, value in zip(list(nums)[::2], list(nums)[1::2], strict=True):
                found[int(key)] = list(value) if isinstance(value, pikepdf.Array) else value
        for kid in node.get("/Kids", []):
            visit(kid)

    tree = document.Root.StructTreeRoot.get("/ParentTree")
    if tree is not None:
        visit(tree)
    return found


def _marked_content(source, resources, untagged: dict, seen: set, stack: list | None = None) -> Iterator[str]:
    """Walk a content stream (a page's or a form XObject's, drawn inside `stack`), noting its MCIDs in `seen`
    and counting in `untagged` what it draws outside both tagged content and artifacts."""
    stack = list(stack or [])
    xobjects = resources.get("/XObject", {})
    for operands, operator in pikepdf.parse_content_stream(source):
        name = str(operator)
        if name in ("BDC", "BMC"):
            tag = str(operands[0])[1:]
            properties = operands[1] if name == "BDC" else None
            if isinstance(properties, pikepdf.Name):
                properties = resources.get("/Properties", {}).get(properties)
            mcid = int(properties.MCID) if properties is not None and "/MCID" in properties else None
            in_artifact = any(entry[0] == "Artifact" for entry in stack)
            in_tagged = any(entry[1] is not None for entry in stack)
            if tag == "Artifact" and in_tagged:
                yield "an artifact inside tagged content"
            if mcid is not None:
                if in_artifact:
                    yield f"tagged content (MCID {mcid}) inside an artifact"
                if mcid in seen:
                    yield f"MCID {mcid} used twice"
                seen.add(mcid)
            stack.append((tag, mcid))
        elif name == "EMC":
            if stack:
                stack.pop()
            else:
                yield "EMC without a marked-content sequence"
        elif name in TEXT_OPERATORS or name in PAINT_OPERATORS or name == "Do":
            covered = any(tag == "Artifact" or mcid is not None for tag, mcid in stack)
            if name == "Do":
                xobject = xobjects.get(operands[0])
                if xobject is not None and xobject.get("/Subtype") == "/Form":
                    yield from _marked_content(xobject, xobject.get("/Resources", resources), untagged, seen, stack)
                    continue
            if not covered:
                what = "text" if name in TEXT_OPERATORS else ("image" if name in ("Do", "EI") else "graphics")
                untagged[what] = untagged.get(what, 0) + 1
    if stack:
        yield f"{len(stack)} marked-content sequence(s) left open"


# --- Links and fonts ------------------------------------------------------------------------------------------


def _annotations(document: pikepdf.Pdf) -> list[str]:
    problems = []
    parent_tree = _parent_tree(document)
    for index, page in enumerate(document.pages, start=1):
        annotations = page.obj.get("/Annots", [])
        if annotations and page.obj.get("/Tabs") != "/S":
            problems.append(f"page {index}: annotations but no /Tabs /S")
        for annotation in annotations:
            if annotation.get("/Subtype") != "/Link":
                continue
            if not str(annotation.get("/Contents", "")).strip():
                problems.append(f"page {index}: a link without alternative text (/Contents)")
            parent = parent_tree.get(annotation.get("/StructParent"))
            if not isinstance(parent, pikepdf.Dictionary) or parent.get("/S") != "/Link":
                problems.append(f"page {index}: a link annotation that no Link element holds")
    return problems


def _fonts(document: pikepdf.Pdf) -> list[str]:
    problems = []
    done = set()
    for index, page in enumerate(document.pages, start=1):
        for name, font in _page_fonts(page.obj.get("/Resources", {}), set()):
            if font.objgen in done:
                continue
            done.add(font.objgen)
            base = str(font.get("/BaseFont", name))
            subtype = font.get("/Subtype")
            if subtype == "/Type3":
                continue
            described = font.DescendantFonts[0] if subtype == "/Type0" else font
            descriptor = described.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"page {index}: font {base} is not embedded")
            if "/ToUnicode" not in font and font.get("/Encoding") not in ("/WinAnsiEncoding", "/MacRomanEncoding"):
                problems.append(f"page {index}: font {base} has no ToUnicode map")
    return problems


def _page_fonts(resources, visited: set) -> Iterator[tuple[str, pikepdf.Dictionary]]:
    """The fonts a page's resources use, with those of its form XObjects."""
    yield from resources.get("/Font", {}).items()
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form" and xobject.objgen not in visited:
            visited.add(xobject.objgen)
            yield from _page_fonts(xobject.get("/Resources", {}), visited)


# --- What a screen reader reads --------------------------------------------------------------------------------


@dataclass
class TaggedText:
    """The text one structure element holds directly (not its kids'), with its language and the types of the
    elements it is in, outermost first, its own last: ("Document", "L", "LI", "Lbl", "Span")."""

    within: tuple[str, ...]
    language: str
    text: str


def tagged_text(pdf: bytes) -> tuple[list[TaggedText], str]:
    """The text of each structure element in reading order, and the text drawn as artifacts (which screen readers
    skip), as pypdf extracts them."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    by_mcid: dict[tuple[int, int | None], str] = {}
    for page in reader.pages:
        page_id = page.indirect_reference.idnum
        stack: list[int | None] = []

        def before(operator, operands, cm, tm, stack=stack):
            if operator == b"BDC":
                properties = operands[1]
                stack.append(properties.get("/MCID") if hasattr(properties, "get") else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(chunk, cm, tm, font, size, stack=stack, page_id=page_id):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            key = (page_id, mcid)
            by_mcid[key] = by_mcid.get(key, "") + chunk

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        elements = list(_walk(document)) if "/StructTreeRoot" in document.Root else []
    found = [
        TaggedText(
            element.within,
            element.language,
            " ".join("".join(by_mcid.get(key, "") for key in sorted(element.content, key=lambda key: key[1])).split()),
        )
        for element in elements
    ]
    artifacts = " ".join(" ".join(text.split()) for (_page, mcid), text in by_mcid.items() if mcid is None)
    return [entry for entry in found if entry.text], artifacts
