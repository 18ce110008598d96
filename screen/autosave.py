"""A text area that saves as the user types: no blur, no Ctrl+Enter, no lost words.

Streamlit's own text widgets send their value only on blur or Ctrl+Enter, so a note
typed during a phone call and never "left" would be lost by a reload. This is a
small Streamlit component (Components v2, the same mechanism streamlit-keyup uses for
single-line input; no maintained multi-line equivalent exists) that:

- sends the text to Python a moment after typing pauses (``debounce_ms``), and at
  once on blur;
- keeps every keystroke in the browser's localStorage under ``storage_key`` until
  Python has acknowledged it, so text typed while the connection was down, or just
  before a crash or reload, is restored and sent when the page comes back;
- never lets a re-render overwrite what the user is typing.

Every send carries the record version the text was typed on. The page passes
``on_save(text, base_version, own_versions)``, which writes to the store through
``research.base.records.update_versioned`` and returns the new version; ``own_versions``
are the versions this widget saved itself, so a quick typist never conflicts with their
own last save, while a colleague's save in between is caught. An error ``on_save``
raises (an ``EditConflictError``) is kept in session state under ``<key>_error`` for
the page to show; the text stays in the browser's backup.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

_HTML = """
<div class="autosave" id="root">
  <label id="label" class="autosave__label"></label>
  <textarea id="text" class="autosave__text"></textarea>
  <div id="status" class="autosave__status" aria-live="polite"></div>
</div>
"""

_CSS = """
.autosave { display: flex; flex-direction: column; width: 100%;
  font-family: var(--st-font, sans-serif); color: var(--st-text-color, inherit); }
.autosave__label { font-size: 14px; line-height: 1.6; margin-bottom: 4px; }
.autosave__text { width: 100%; box-sizing: border-box; resize: vertical; padding: 10px 12px;
  font: inherit; font-size: 15px; line-height: 1.5; color: inherit;
  border: 1px solid rgba(127, 127, 127, 0.3); border-radius: 6px;
  background: var(--st-secondary-background-color, #f0f2f6); outline: none; }
.autosave__text:focus { border-color: var(--st-primary-color, #ff4b4b); }
.autosave__status { font-size: 12px; min-height: 1.2em; margin-top: 2px; opacity: 0.7; }
"""

_JS = r"""
export default function({ parentElement, data, setStateValue }) {
  const text = parentElement.querySelector("#text");
  const status = parentElement.querySelector("#status");
  parentElement.querySelector("#label").textContent = data.label ?? "";
  text.placeholder = data.placeholder ?? "";
  text.disabled = !!data.disabled;
  text.style.minHeight = (data.height ?? 120) + "px";
  text.setAttribute("aria-label", data.label ?? "");
  const storeKey = "autosave:" + (data.storage_key ?? "");
  parentElement._labels = data.labels;

  const pending = () => {
    try { return JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  };
  const send = (value, base) => {
    localStorage.setItem(storeKey, JSON.stringify({ text: value, base: base, at: Date.now() }));
    status.textContent = parentElement._labels.saving;
    setStateValue("value", JSON.stringify({ text: value, base: base }));
  };

  const pyValue = data.value ?? "";
  const unsent = pending();
  if (!parentElement._attached) {
    // first render: text typed earlier that Python never acknowledged wins
    // (sent with the version it was typed on, so Python can tell if someone saved since)
    if (unsent && unsent.text !== pyValue) {
      text.value = unsent.text;
      status.textContent = parentElement._labels.restored;
      send(unsent.text, unsent.base ?? data.version);
    } else {
      text.value = pyValue;
      localStorage.removeItem(storeKey);
    }
  } else if (pyValue === text.value) {
    text._typing = false;
    if (unsent && unsent.text === pyValue) localStorage.removeItem(storeKey);
    status.textContent = data.saved_note ?? parentElement._labels.saved;
  } else if (!text._typing) {
    text.value = pyValue;  // someone else's text, adopted only while we are not typing
  }
  parentElement._debounce = data.debounce ?? 500;
  parentElement._version = data.version;

  if (!parentElement._attached) {
    let timer = null;
    text.addEventListener("input", () => {
      text._typing = true;
      localStorage.setItem(storeKey, JSON.stringify(
        { text: text.value, base: parentElement._version, at: Date.now() }));
      status.textContent = parentElement._labels.typing;
      clearTimeout(timer);
      timer = setTimeout(() => send(text.value, parentElement._version), parentElement._debounce);
    });
    text.addEventListener("blur", () => {
      clearTimeout(timer);
      if (text._typing) send(text.value, parentElement._version);
    });
    parentElement._attached = true;
  }
}
"""

_component = st.components.v2.component(
    "defectors_autosave_text", html=_HTML, css=_CSS, js=_JS, isolate_styles=True
)


def autosave_text(
    label: str,
    *,
    key: str,
    value: str,
    version: int,
    storage_key: str,
    on_save: Callable[[str, int, set[int]], int],
    labels: dict[str, str],
    saved_note: str | None = None,
    height: int = 120,
    debounce_ms: int = 600,
    placeholder: str = "",
    disabled: bool = False,
) -> str:
    """Draw the text area and return its current text.

    ``value`` is the text as stored at ``version``; ``storage_key`` names the record and field in the
    browser's backup (use the record id); ``labels`` gives the translated status words
    ``typing``, ``saving``, ``saved`` and ``restored``.
    """
    internal = f"_autosave_{key}"

    own = st.session_state.setdefault(f"{key}_versions", set())

    def changed() -> None:
        state = st.session_state.get(internal) or {}
        sent = _decode(state.get("value") if isinstance(state, dict) else None)
        if sent is None:
            return
        try:
            own.add(on_save(sent["text"], int(sent.get("base") or 0), own))
            st.session_state.pop(f"{key}_error", None)
        except Exception as e:  # shown by the page; the text is still in the browser
            st.session_state[f"{key}_error"] = e

    result = _component(
        data={
            "label": label,
            "value": value,
            "version": version,
            "storage_key": storage_key,
            "debounce": debounce_ms,
            "height": height,
            "placeholder": placeholder,
            "disabled": disabled,
            "labels": labels,
            "saved_note": saved_note,
        },
        default={"value": None},
        key=internal,
        on_value_change=changed,
    )
    sent = _decode(result.value)
    return sent["text"] if sent is not None else value


def _decode(raw) -> dict | None:
    """The browser sends {"text": ..., "base": version} as a JSON string."""
    if not isinstance(raw, str):
        return None
    try:
        sent = json.loads(raw)
    except ValueError:
        return None
    return sent if isinstance(sent, dict) and isinstance(sent.get("text"), str) else None
