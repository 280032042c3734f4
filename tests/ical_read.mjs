// Read .ics files as Thunderbird does, with ical.js (npm). Called by tests/test_ics_clients.py.
//
// Input on stdin, JSON: {"files": [text, ...], "offsets": [[file index, tzid, "YYYY-MM-DDTHH:MM:SS"], ...]}.
// Output on stdout, JSON: {"events": [[uid, sequence, status, start in seconds since the epoch, end], ...] for each
// file, "offsets": [the zone's offset from UTC in seconds at that wall time, ...]}.
import ICAL from "ical.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { files, offsets } = JSON.parse(input);

const zones = [];
const events = [];
for (const text of files) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const found = {};
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtimezone);
    found[zone.tzid] = zone;
    ICAL.TimezoneService.register(zone); // as Thunderbird does: the events' TZIDs resolve to the file's zones
  }
  zones.push(found);
  events.push(
    calendar.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      const status = vevent.getFirstPropertyValue("status");
      return [event.uid, event.sequence, status, event.startDate.toUnixTime(), event.endDate.toUnixTime()];
    }),
  );
}
const answers = offsets.map(([index, tzid, wall]) =>
  zones[index][tzid].utcOffset(ICAL.Time.fromDateTimeString(wall)),
);
process.stdout.write(JSON.stringify({ events, offsets: answers }));
