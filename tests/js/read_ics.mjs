// Read an iCalendar file from stdin with ical.js (the parser Thunderbird uses) and print what it found as JSON:
// the calendar's METHOD, and for each VEVENT its UID, SEQUENCE, STATUS, start (UTC), ORGANIZER and ATTENDEEs.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

const address = (property) => ({
  value: property.getFirstValue(),
  cn: property.getParameter("cn") ?? null,
  sentBy: property.getParameter("sent-by") ?? null,
});

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    start: event.startDate.toJSDate().toISOString(),
    tzid: event.startDate.zone?.tzid ?? null,
    organizer: vevent.getFirstProperty("organizer") ? address(vevent.getFirstProperty("organizer")) : null,
    attendees: vevent.getAllProperties("attendee").map(address),
  };
});
console.log(JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }));
