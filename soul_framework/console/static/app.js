// The Synthetic Soul console: a guest's view of the active agent, talking to the /v1 API.
// Plain JavaScript, no dependencies; the access token lives only in this page's memory.
"use strict";

const COLOURS = 10; // .c0 .. .c9 in style.css
const REFRESH_MS = 30000; // emotions fade with time: redraw them this often while idle
const CHART = { width: 320, height: 160, pad: 6 }; // width: the least, in px
const SVG_NS = "http://www.w3.org/2000/svg";

const session = {
  token: null,
  csrf: null,
  agent: null,
  expression: null,
  busy: false,
  order: [], // emotion names in the model's order: bars, lines and legend share colours
};
const $ = (id) => document.getElementById(id);

function setStatus(text) {
  $("status").textContent = text;
}

async function signInAsGuest() {
  const response = await fetch("/v1/auth/guest", { method: "POST" });
  if (!response.ok) throw new Error(`guest sign-in failed (${response.status})`);
  const body = await response.json();
  session.token = body.access_token;
  session.csrf = body.csrf_token || null;
}

// A new access token from the refresh cookies; a new guest when those are gone.
async function renewToken() {
  if (session.csrf) {
    const response = await fetch("/v1/auth/refresh", {
      method: "POST",
      headers: { "X-CSRF-Token": session.csrf },
    });
    if (response.ok) {
      const body = await response.json();
      session.token = body.access_token;
      session.csrf = body.csrf_token || session.csrf;
      return;
    }
  }
  await signInAsGuest();
}

// fetch() with the bearer token; one renewal and retry when the token has expired.
async function api(path, options = {}, retry = true) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${session.token}` };
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 && retry) {
    await renewToken();
    return api(path, options, false);
  }
  return response;
}

async function getJson(path) {
  const response = await api(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function colourClass(name) {
  const index = session.order.indexOf(name);
  return `c${(index < 0 ? session.order.length : index) % COLOURS}`;
}

function showExpression(name) {
  if (!name || !session.agent) return;
  session.expression = name;
  const image = $("expression");
  const agent = encodeURIComponent(session.agent);
  image.src = `/static/expressions/${agent}/${encodeURIComponent(name)}`;
  image.alt = `${session.agent} looks ${name}`;
  image.dataset.expression = name;
}

function showEmotions(emotions) {
  const list = $("emotion-bars");
  const rank = (name) => {
    const index = session.order.indexOf(name);
    return index < 0 ? session.order.length : index;
  };
  const entries = Object.entries(emotions).sort(([a], [b]) => rank(a) - rank(b));
  entries.forEach(([name, emotion]) => {
    let row = list.querySelector(`[data-emotion="${name}"]`);
    if (!row) {
      row = document.createElement("li");
      row.className = "bar";
      row.dataset.emotion = name;
      row.dataset.testid = `emotion-bar-${name}`;
      row.title = emotion.description || name;
      const label = document.createElement("span");
      label.className = "bar-name";
      label.textContent = name.replaceAll("_", " ");
      const track = document.createElement("span");
      track.className = "bar-track";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      track.append(fill);
      const value = document.createElement("span");
      value.className = "bar-value";
      row.append(label, track, value);
      list.append(row);
    }
    const span = (emotion.max ?? 100) - (emotion.min ?? 0) || 100;
    const share = Math.max(0, Math.min(1, (emotion.value - (emotion.min ?? 0)) / span));
    row.dataset.value = emotion.value.toFixed(2);
    row.querySelector(".bar-fill").className = `bar-fill ${colourClass(name)}`;
    row.querySelector(".bar-fill").style.width = `${(share * 100).toFixed(1)}%`;
    row.querySelector(".bar-value").textContent = Math.round(emotion.value);
  });
}

async function refreshAgent() {
  const { agent } = await getJson("/v1/agents/active");
  showEmotions(agent.emotional_status.emotions);
  if (!session.expression) showExpression(agent.global_expression || "neutral");
}

function svg(tag, attributes) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

// One line per emotion, 0..100 upwards, time to the right (spaced by real time).
function drawChart(history) {
  const { height, pad } = CHART;
  const width = Math.max(CHART.width, Math.round($("emotion-chart").clientWidth));
  const samples = history.samples;
  const times = samples.map((s) => Date.parse(s.at));
  const first = Math.min(...times);
  const spanMs = Math.max(1, Math.max(...times) - first);
  const x = (t) => pad + ((t - first) / spanMs) * (width - 2 * pad);
  const y = (v) => height - pad - (Math.max(0, Math.min(100, v)) / 100) * (height - 2 * pad);

  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  chart.setAttribute("aria-label", "Emotions over time");
  chart.append(svg("line", { class: "axis", x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }));
  chart.append(svg("line", { class: "axis", x1: pad, y1: pad, x2: pad, y2: height - pad }));
  for (const level of [50, 100]) {
    chart.append(svg("line", { class: "grid", x1: pad, y1: y(level), x2: width - pad, y2: y(level) }));
  }
  session.order = history.emotions.map((emotion) => emotion.name);
  const legend = $("chart-legend");
  legend.replaceChildren();
  history.emotions.forEach((emotion) => {
    const colour = colourClass(emotion.name);
    const shown = samples.filter((s) => emotion.name in s.values);
    const points = shown.map(
      (s) => `${x(Date.parse(s.at)).toFixed(1)},${y(s.values[emotion.name]).toFixed(1)}`,
    );
    const line = svg("polyline", { class: colour, points: points.join(" ") });
    line.dataset.emotion = emotion.name;
    line.append(svg("title", {}));
    line.lastChild.textContent = emotion.name;
    chart.append(line);
    if (points.length) {
      // A dot on the present value: a line of a single sample would not show at all.
      const [cx, cy] = points[points.length - 1].split(",");
      chart.append(svg("circle", { class: colour, cx, cy, r: 3 }));
    }
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch ${colour}`;
    item.append(swatch, emotion.name.replaceAll("_", " "));
    legend.append(item);
  });
  const box = $("emotion-chart");
  box.dataset.points = String(samples.length);
  box.replaceChildren(chart);
}

async function refreshHistory() {
  drawChart(await getJson("/v1/agents/active/emotions/history"));
}

async function refreshThought() {
  const response = await api("/v1/thoughts/latest");
  const box = $("thought");
  if (response.status === 404) {
    box.textContent = "No thoughts yet.";
    return;
  }
  if (!response.ok) throw new Error(`/v1/thoughts/latest: HTTP ${response.status}`);
  const { latest_thought: thought } = await response.json();
  box.textContent = thought.thought;
  box.title = new Date(thought.timestamp).toLocaleString();
}

async function refreshMind() {
  // The history first: it gives the emotions' order, which the bars follow.
  await Promise.all([refreshHistory(), refreshThought()]);
  await refreshAgent();
}

function addBubble(who, text) {
  const bubble = document.createElement("li");
  bubble.className = `bubble ${who}`;
  bubble.dataset.testid = `${who}-bubble`;
  bubble.textContent = text;
  const log = $("chat-log");
  log.append(bubble);
  log.scrollTop = log.scrollHeight;
  return bubble;
}

// Follow one job's events: token deltas grow the bubble; "done" settles it.
function followReply(jobId, bubble) {
  return new Promise((resolve) => {
    const token = encodeURIComponent(session.token);
    const events = new EventSource(`/v1/jobs/${encodeURIComponent(jobId)}/events?access_token=${token}`);
    let finished = false;
    events.addEventListener("token", (event) => {
      bubble.textContent += JSON.parse(event.data).delta;
      bubble.dataset.deltas = String(Number(bubble.dataset.deltas || 0) + 1);
      $("chat-log").scrollTop = $("chat-log").scrollHeight;
    });
    events.addEventListener("done", (event) => {
      finished = true;
      events.close();
      const job = JSON.parse(event.data);
      bubble.classList.remove("pending");
      if (job.status === "succeeded" && job.result) {
        if (job.result.response) bubble.textContent = job.result.response;
        else bubble.remove(); // the agent chose not to answer
        if (job.result.expression) showExpression(job.result.expression);
      } else {
        bubble.classList.add("failed");
        bubble.textContent ||= `The reply failed (${job.error || "unknown error"}).`;
      }
      resolve();
    });
    events.addEventListener("error", () => {
      if (finished) return;
      // EventSource reconnects by itself; a closed stream means it has given up.
      if (events.readyState === EventSource.CLOSED) {
        bubble.classList.remove("pending");
        bubble.classList.add("failed");
        bubble.textContent ||= "The connection was lost.";
        resolve();
      }
    });
  });
}

async function send(text) {
  session.busy = true;
  $("chat-send").disabled = true;
  addBubble("user", text);
  const bubble = addBubble("agent", "");
  bubble.classList.add("pending");
  try {
    const response = await api("/v1/messages/submit", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: text, type: "dm" }),
    });
    if (!response.ok) throw new Error(`the message was not accepted (HTTP ${response.status})`);
    const { job_id: jobId } = await response.json();
    setStatus(`${session.agent} is writing…`);
    await followReply(jobId, bubble);
    await refreshMind();
    setStatus("Online");
  } catch (error) {
    bubble.classList.remove("pending");
    bubble.classList.add("failed");
    bubble.textContent = String(error.message || error);
    setStatus("Something went wrong; try again.");
  } finally {
    session.busy = false;
    $("chat-send").disabled = false;
    $("chat-input").focus();
  }
}

function wireComposer() {
  const input = $("chat-input");
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || session.busy) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("chat-form").requestSubmit();
    }
  });
}

async function start() {
  wireComposer();
  try {
    await signInAsGuest();
    const { active_agent: agent } = await (await fetch("/v1/")).json();
    session.agent = agent;
    $("agent-name").textContent = agent;
    document.title = `${agent} · Synthetic Soul`;
    await refreshMind();
    setStatus("Online");
    document.body.dataset.ready = "true";
  } catch (error) {
    setStatus(`Could not connect: ${error.message || error}`);
    return;
  }
  setInterval(() => {
    if (!session.busy) refreshMind().catch(() => setStatus("Reconnecting…"));
  }, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", start);
