// Reads an iCalendar feed on stdin and prints, as JSON, every VEVENT occurrence that
// ical.js finds, with its start and end converted to UTC by ical.js itself (using the
// feed's own VTIMEZONE), so the Python tests can compare them with the database.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jcal = ICAL.parse(Buffer.concat(chunks).toString("utf8"));
const calendar = new ICAL.Component(jcal);
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}

const out = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const base = {
    uid: event.uid,
    status: vevent.getFirstPropertyValue("status"),
    sequence: vevent.getFirstPropertyValue("sequence"),
    summary: event.summary,
  };
  if (!event.isRecurring()) {
    // A single event: DTSTART and DTEND, each converted with the feed's VTIMEZONE.
    out.push({
      ...base,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
    });
    continue;
  }
  const iterator = event.iterator();
  let next;
  let guard = 0;
  while ((next = iterator.next()) && guard++ < 1000) {
    const details = event.getOccurrenceDetails(next);
    out.push({
      ...base,
      start: details.startDate.toJSDate().toISOString(),
      end: details.endDate.toJSDate().toISOString(),
    });
  }
}
process.stdout.write(JSON.stringify(out));
