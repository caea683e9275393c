// A little help where it saves steps; every page works without it.
"use strict";

// Phones: the header folds the navigation behind a menu button.
(function () {
  const header = document.querySelector(".site-header");
  const button = header && header.querySelector(".menu-button");
  if (!button) return;
  header.classList.add("js-menu");
  button.addEventListener("click", function () {
    const open = header.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
  });
})();

// Date fields are day-month-year text (booking/widgets.py); times are quarter-hour choices.
function readDate(input) {
  const match = /^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$/.exec(input.value)
    || /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(input.value);
  if (!match) return null;
  const [day, month, year] = match[1].length === 4
    ? [+match[3], +match[2], +match[1]] : [+match[1], +match[2], +match[3]];
  return { day, month, year };
}

function two(number) {
  return String(number).padStart(2, "0");
}

function setTime(select, hhmm) {
  if (![...select.options].some((option) => option.value === hhmm)) {
    select.add(new Option(hhmm, hhmm));
  }
  select.value = hhmm;
}

// The end follows the start: a new start date moves an end date that was on the old one, and
// a duration button sets the end that far after the start (wall-clock time, as people read it).
document.querySelectorAll("form").forEach(function (form) {
  const startDate = form.querySelector("#id_start_date");
  const startTime = form.querySelector("#id_start_time");
  const endDate = form.querySelector("#id_end_date");
  const endTime = form.querySelector("#id_end_time");
  if (!startDate || !endDate) return;
  let previousStart = startDate.value;
  startDate.addEventListener("change", function () {
    if (!endDate.value || endDate.value === previousStart) endDate.value = startDate.value;
    previousStart = startDate.value;
  });
  const presets = form.querySelector(".duration-presets");
  if (!presets || !startTime || !endTime) return;
  presets.hidden = false;
  presets.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-minutes]");
    if (!button) return;
    const day = readDate(startDate);
    const [hours, minutes] = startTime.value.split(":").map(Number);
    if (!day || Number.isNaN(hours)) {
      startDate.focus();
      return;
    }
    const end = new Date(Date.UTC(day.year, day.month - 1, day.day, hours, minutes));
    end.setUTCMinutes(end.getUTCMinutes() + Number(button.dataset.minutes));
    endDate.value = `${two(end.getUTCDate())}-${two(end.getUTCMonth() + 1)}-${end.getUTCFullYear()}`;
    setTime(endTime, `${two(end.getUTCHours())}:${two(end.getUTCMinutes())}`);
    presets.querySelectorAll("button").forEach((other) => other.setAttribute("aria-pressed", String(other === button)));
  });
});
