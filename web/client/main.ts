/**
 * The live page: connects to `GET /live`, applies its frames to the model as
 * they come, and redraws the counters and the charts at most every
 * {@link REDRAW_MS} and the map's colours every {@link MAP_REDRAW_MS}; polls
 * `GET /live/sessions` for the table. A stream that
 * drops is resumed from the last frame seen (`Last-Event-ID`, which
 * `EventSource` sends by itself, or `?lastEventId=` on a new stream); a gap
 * in the frame IDs starts over from a snapshot.
 *
 * Every URL is relative, so the page also works behind a proxy at a sub-path.
 *
 * @module
 */
/// <reference lib="dom" />
import type { Frame, PortView, SessionView, StationDetail, StationView } from "../frame.ts";
import { STATION_STATUSES } from "../frame.ts";
import { Charts } from "./charts.ts";
import {
  cityLabel,
  type Filter,
  formatClock,
  formatPower,
  formatSpeed,
  LiveModel,
  matches,
  sessionsQuery,
} from "./live_model.ts";
import { StationMap, STATUS_COLORS, type Topology } from "./map.ts";

/** The most often the page redraws, in milliseconds. */
const REDRAW_MS = 250;
/**
 * The most often the map's dots are redrawn for status changes, in
 * milliseconds: the map is the page's costliest drawing (about 15 ms for the
 * default network's 11,000 stations), and its colours need not move as often
 * as the counters. A zoom, a pan or a filter redraws it at once.
 */
const MAP_REDRAW_MS = 500;
/** How often the table is fetched, in milliseconds. */
const TABLE_MS = 1000;
/** Rows the table shows at most. */
const TABLE_ROWS = 100;
/** Frame IDs remembered for `evsimLive.frames` (what the browser test reads). */
const FRAME_LOG = 2000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * The server's token, when it has one: the page is opened as `/?token=T`,
 * and sends it as `access_token` (RFC 6750 §2.3), since `EventSource` can
 * send no header.
 */
const token = new URLSearchParams(location.search).get("token");
/** `path` with the token, if any, in its query. */
const authorized = (path: string) =>
  token === null
    ? path
    : `${path}${path.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}`;

const model = new LiveModel();
const filter: Filter = { city: "", siteType: "", status: "" };
const frameLog: { id: number; kind: string }[] = [];
/** Milliseconds the page has spent on each of its jobs, and how often (its cost, for the benchmark). */
const work: Record<string, { ms: number; times: number }> = {};
/** Runs `job`, adding its time to {@link work}'s `name`. */
function timed<T>(name: string, job: () => T): T {
  const started = performance.now();
  try {
    return job();
  } finally {
    const entry = work[name] ??= { ms: 0, times: 0 };
    entry.ms += performance.now() - started;
    entry.times++;
  }
}
let source: EventSource | undefined;
let reconnects = 0;
let gaps = 0;

const text = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const number = (n: number) => Math.round(n).toLocaleString("en-US");
const setConnection = (state: string, message: string) => {
  const element = $("connection");
  element.dataset.state = state;
  element.textContent = message;
};

/** Opens the stream, resuming after frame `lastId` when given. */
function connect(lastId?: number): void {
  source?.close();
  const url = authorized(lastId === undefined ? "live" : `live?lastEventId=${lastId}`);
  const stream = new EventSource(url);
  source = stream;
  const onFrame = (event: MessageEvent) => {
    if (stream !== source) return;
    const frame = JSON.parse(event.data) as Frame;
    const applied = timed("frames", () => model.apply(frame));
    if (applied === "gap") {
      // Frames were lost: start over from a snapshot.
      gaps++;
      connect();
      return;
    }
    frameLog.push({ id: frame.id, kind: frame.kind });
    if (frameLog.length > FRAME_LOG) frameLog.shift();
  };
  stream.addEventListener("snapshot", onFrame);
  stream.addEventListener("delta", onFrame);
  stream.addEventListener("open", () => setConnection("open", "live"));
  stream.addEventListener("error", () => {
    if (stream !== source) return;
    if (stream.readyState === EventSource.CLOSED) {
      // Refused (the server is gone or shutting down): try again, from where the page was.
      setConnection("closed", "disconnected: retrying…");
      setTimeout(() => stream === source && reconnect(), 2000);
    } else {
      setConnection("connecting", "reconnecting…");
    }
  });
}

/** Closes the stream and opens a new one that resumes after the last frame seen. */
function reconnect(): void {
  reconnects++;
  connect(model.lastId);
}

// --- start ---------------------------------------------------------------

/** What the page exposes for scripts (and its browser test). */
const hook = {
  /** The frames applied, oldest first (the last {@link FRAME_LOG}). */
  frames: frameLog,
  get lastId() {
    return model.lastId;
  },
  get stations() {
    return model.stations.size;
  },
  get reconnects() {
    return reconnects;
  },
  get gaps() {
    return gaps;
  },
  get totals() {
    return model.totals;
  },
  /** Milliseconds spent applying frames, drawing the map, the charts and the table, and how often. */
  work,
  /** Where station `id`'s dot is on the page (client coordinates), to point at it. */
  dotOf(id: string): [number, number] | undefined {
    return map.clientPointOf(id);
  },
  /** Drops the stream and resumes it from the last frame seen. */
  reconnect,
  /** Closes the stream (until {@link reconnect}). */
  disconnect() {
    source?.close();
    source = undefined;
    setConnection("closed", "disconnected");
  },
};
(globalThis as unknown as { evsimLive: typeof hook }).evsimLive = hook;

connect();

// --- the page ---------------------------------------------------------------

const outline = await fetch("us.json").then((r) => r.json()) as Topology;
const map = new StationMap($("map"), outline);
const charts = new Charts($("charts"));
const show = (station: StationView) => matches(station, filter);
map.show = show;

let drawnStations = -1;
let mapDrawnAt = -Infinity;
let placedStations = -1;
let drawnPoints = -1;
let fitted = false;
let cityOptions = "";

function redraw(): void {
  const totals = model.totals;
  $("clock").textContent = formatClock(model.time);
  $("speed").textContent = formatSpeed(model.speed);
  if (totals) {
    const power = totals.powerKw.reduce((a, b) => a + b, 0);
    $("count-power").textContent = formatPower(power);
    $("count-sessions").textContent = number(totals.sessions);
    $("count-charging").textContent = number(totals.charging);
    $("count-arrivals").textContent = number(totals.arrivals);
    $("count-failed").textContent = number(totals.failedStarts);
    $("count-faults").textContent = number(totals.faults);
    $("count-events").textContent = number(totals.events);
  }
  if (placedStations !== model.stationSetVersion) {
    placedStations = model.stationSetVersion;
    map.setStations(model.stations.values());
    updateCityOptions();
    if (!fitted && model.stations.size > 0) {
      fitted = true;
      map.fit();
    }
    drawnStations = -1;
  }
  const now = performance.now();
  // Less 10 ms: two redraws apart may measure a little under MAP_REDRAW_MS.
  if (drawnStations !== model.stationsVersion && now - mapDrawnAt >= MAP_REDRAW_MS - 10) {
    drawnStations = model.stationsVersion;
    mapDrawnAt = now;
    timed("map", drawMap);
  }
  if (drawnPoints !== model.pointsVersion) {
    drawnPoints = model.pointsVersion;
    timed("charts", () => charts.update(model.series()));
  }
}

function drawMap(): void {
  map.draw(show);
  const counts = model.statusCounts(filter);
  for (const status of STATION_STATUSES) {
    $(`legend-${status}`).textContent = number(counts[status]);
  }
  $("map").dataset.stations = String(model.stations.size);
}

function updateCityOptions(): void {
  const cities = model.cities();
  const key = cities.join("\n");
  if (key === cityOptions) return;
  cityOptions = key;
  const select = $<HTMLSelectElement>("filter-city");
  const selected = select.value;
  select.replaceChildren(
    new Option("all cities", ""),
    ...cities.map((city) => new Option(city, city)),
  );
  select.value = cities.includes(selected) ? selected : "";
}

function onFilter(): void {
  const before = filter.city;
  filter.city = $<HTMLSelectElement>("filter-city").value;
  filter.siteType = $<HTMLSelectElement>("filter-site").value;
  filter.status = $<HTMLSelectElement>("filter-status").value;
  if (filter.city !== before) {
    const inCity = [...model.stations.values()].filter((s) =>
      filter.city === "" || cityLabel(s) === filter.city
    );
    map.fit(inCity);
  }
  drawMap();
  refreshTable();
}

for (const id of ["filter-city", "filter-site", "filter-status"]) {
  $(id).addEventListener("change", onFilter);
}
$("zoom-in").addEventListener("click", () => {
  map.zoom(2);
  drawMap();
});
$("zoom-out").addEventListener("click", () => {
  map.zoom(0.5);
  drawMap();
});
$("zoom-fit").addEventListener("click", () => {
  map.fit(model.visibleStations(filter));
  drawMap();
});
$("zoom-us").addEventListener("click", () => {
  map.reset();
  drawMap();
});
for (const status of STATION_STATUSES) {
  $(`swatch-${status}`).style.background = STATUS_COLORS[status];
}

// --- the tooltip ------------------------------------------------------------

const ACTIVITY: Record<string, string> = {
  charging: "charging",
  occupied: "plugged in, not charging",
  faulted: "faulted",
  maintenance: "in maintenance",
  available: "available",
};

function portLine(port: PortView): string {
  const s = port.session;
  const session = s
    ? ` · ${text(s.vehicleType)} · ${s.powerKw.toFixed(1)} kW · SoC ${Math.round(s.socPercent)}%`
    : "";
  return `<li><span class="dot" style="background:${STATUS_COLORS[port.activity]}"></span>${
    text(port.level)
  } ${ACTIVITY[port.activity]}${session}</li>`;
}

map.onHover = async (station) => {
  const head =
    `<strong>${text(station.name)}</strong><br>${text(station.network ?? "no network")}` +
    ` · ${text(cityLabel(station))} · ${text(station.siteType)} · ${station.ports} port${
      station.ports === 1 ? "" : "s"
    }`;
  map.showTooltip(station, head);
  const response = await fetch(authorized(`live/stations/${encodeURIComponent(station.id)}`));
  if (!response.ok) return;
  const detail = await response.json() as StationDetail;
  map.showTooltip(station, `${head}<ul>${detail.portList.map(portLine).join("")}</ul>`);
};

// --- the table --------------------------------------------------------------

let tableBusy = false;

function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function sessionRow(s: SessionView): string {
  const eta = !s.active ? "ended" : s.powerKw === 0 ? "–" : clockTime(s.etaMs);
  return `<tr class="${s.active ? "active" : "ended"}"><td>${text(s.vehicleType)}</td>` +
    `<td>${text(s.locationName)}<div class="sub">${text(s.city)} · ${text(s.siteType)}</div></td>` +
    `<td>${text(s.status)}</td><td class="n">${Math.round(s.socPercent)}%</td>` +
    `<td class="n">${s.powerKw.toFixed(1)}</td><td class="n">${s.energyKwh.toFixed(1)}</td>` +
    `<td class="n">${eta}</td><td class="n">${clockTime(s.updatedMs)}</td></tr>`;
}

async function refreshTable(): Promise<void> {
  if (tableBusy) return;
  tableBusy = true;
  try {
    const response = await fetch(authorized(`live/sessions?${sessionsQuery(filter, TABLE_ROWS)}`));
    if (!response.ok) {
      if (response.status === 401) {
        setConnection(
          "closed",
          token === null
            ? "the server requires a token: open this page as /?token=TOKEN"
            : "the server refused the token",
        );
      }
      return;
    }
    const sessions = await response.json() as SessionView[];
    const body = $<HTMLTableSectionElement>("sessions-body");
    timed("table", () =>
      body.innerHTML = sessions.map(sessionRow).join("") ||
        `<tr><td colspan="8" class="empty">no sessions match</td></tr>`);
    $("sessions").dataset.rows = String(sessions.length);
  } catch {
    // The server is away: the stream says so; the next poll tries again.
  } finally {
    tableBusy = false;
  }
}

// --- redraws and polls -------------------------------------------------------

setInterval(redraw, REDRAW_MS);
setInterval(refreshTable, TABLE_MS);
refreshTable();
