"""A text area that saves as the user types: no blur, no Ctrl+Enter, no lost words.

Streamlit's own text widgets send their value only on blur or Ctrl+Enter, so a note
typed during a phone call and never "left" would be lost by a reload. This is a
small Streamlit component (Components v2, the same mechanism streamlit-keyup uses for
single-line input; no maintained multi-line equivalent exists) that:

- sends the text to Python a moment after typing pauses (``debounce_ms``), and at
  once on blur;
- keeps every keystroke in the browser's localStorage under ``storage_key`` (and the
  signed-in person's login: a shared computer's next user never gets it) until Python
  has acknowledged it, so text typed while the connection was down, or just
  before a crash or reload, is restored and sent when the page comes back;
- never lets a re-render overwrite what the user is typing, and keeps the focus and the
  caret when a rerun builds the box anew (a message above it that was shown once and
  is gone moves it, and Streamlit then replaces it): the keys typed next still land.

Every send carries the record version the text was typed on. The page passes
``on_save(text, base_version, own_versions)``, which writes to the store through
``research.base.records.update_versioned`` and returns the new version; ``own_versions``
are the versions this widget saved itself, so a quick typist never conflicts with their
own last save, while a colleague's save in between is caught. The version a text is
typed on stays the one the user saw: a re-render that brings a colleague's newer version
while the user is typing does not move it, so their words are never sent as if they had
seen that version.

An error ``on_save`` raises is kept in session state under ``<key>_error`` for the page
to show; the text stays in the browser's backup. When it is an ``EditConflictError`` on
this text (a colleague saved since, or this browser's backup was typed on an older
version), the widget shows both texts and the user chooses: keep mine (saved on the
colleague's version), keep theirs (the backup is dropped), or merge by hand (both texts
in the box, saved as the user edits). Until then nothing is sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from research.base.i18n import Translator
from research.base.records import EditConflictError, text_choice
from screen.ui import LOGIN_KEY

_HTML = """
<div class="autosave" id="root">
  <label id="label" class="autosave__label"></label>
  <textarea id="text" class="autosave__text"></textarea>
  <div id="status" class="autosave__status" aria-live="polite"></div>
  <div id="choice" class="autosave__choice" role="alert" hidden>
    <div id="choice_title" class="autosave__choice-title"></div>
    <div class="autosave__pair">
      <div class="autosave__side"><div id="mine_head" class="autosave__head"></div>
        <pre id="mine_text" class="autosave__was"></pre></div>
      <div class="autosave__side"><div id="theirs_head" class="autosave__head"></div>
        <pre id="theirs_text" class="autosave__was"></pre></div>
    </div>
    <div class="autosave__buttons">
      <button type="button" id="keep_mine"></button>
      <button type="button" id="keep_theirs"></button>
      <button type="button" id="merge"></button>
    </div>
  </div>
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
.autosave__text:disabled { cursor: not-allowed; opacity: 0.6; background: transparent;
  border-style: dashed; resize: none; }
.autosave__status { font-size: 12px; min-height: 1.2em; margin-top: 2px; opacity: 0.7; }
.autosave__choice { margin-top: 6px; padding: 10px 12px; border-radius: 6px;
  border: 1px solid #e6a23c; background: rgba(230, 162, 60, 0.12); font-size: 14px; }
.autosave__choice[hidden] { display: none; }
.autosave__choice-title { font-weight: 600; margin-bottom: 6px; }
.autosave__pair { display: flex; gap: 10px; flex-wrap: wrap; }
.autosave__side { flex: 1 1 220px; min-width: 0; }
.autosave__head { font-size: 13px; opacity: 0.8; margin-bottom: 2px; }
.autosave__was { white-space: pre-wrap; word-break: break-word; margin: 0; padding: 6px 8px;
  font: inherit; border-radius: 4px; background: var(--st-background-color, #fff);
  border: 1px solid rgba(127, 127, 127, 0.3); max-height: 200px; overflow: auto; }
.autosave__buttons { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 8px; }
.autosave__buttons button { font: inherit; font-size: 14px; padding: 4px 12px; cursor: pointer;
  border-radius: 6px; border: 1px solid rgba(127, 127, 127, 0.5);
  background: var(--st-secondary-background-color, #f0f2f6); color: inherit; }
"""

_JS = r"""
export default function({ parentElement, data, setStateValue }) {
  const el = (id) => parentElement.querySelector("#" + id);
  const text = el("text");
  const status = el("status");
  el("label").textContent = data.label ?? "";
  text.placeholder = data.placeholder ?? "";
  text.disabled = !!data.disabled;
  text.style.minHeight = (data.height ?? 120) + "px";
  text.setAttribute("aria-label", data.label ?? "");
  const storeKey = "autosave:" + (data.storage_key ?? "");
  parentElement._labels = data.labels;

  const pending = () => {
    try { return JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  };
  const keep = (value) => localStorage.setItem(storeKey,
    JSON.stringify({ text: value, base: parentElement._base, at: Date.now() }));
  const tell = (message) => setStateValue("value", JSON.stringify(message));
  const send = (value) => {
    keep(value);
    parentElement._sent = value;
    status.textContent = parentElement._labels.saving;
    tell({ text: value, base: parentElement._base });
  };

  // a conflict: both texts side by side until the user chooses (nothing is sent meanwhile)
  const conflict = data.conflict ?? null;
  parentElement._conflict = conflict;
  el("choice").hidden = !conflict;
  if (conflict) {
    const words = conflict.labels;
    el("choice_title").textContent = words.title;
    el("mine_head").textContent = words.mine_head;
    el("theirs_head").textContent = words.theirs_head;
    el("mine_text").textContent = parentElement._attached ? text.value : conflict.mine;
    el("theirs_text").textContent = conflict.theirs;
    el("keep_mine").textContent = words.keep_mine;
    el("keep_theirs").textContent = words.keep_theirs;
    el("merge").textContent = words.merge;
    status.textContent = "";
  }

  // Where the caret was, for this tab: a rerun that changes what stands above the box
  // (a message shown once, a sign-in's cookie) makes the page build it anew, and the
  // keys typed next would go nowhere. The new box takes the focus and the caret back.
  const focusKey = "autosave-focus:" + (data.storage_key ?? "");
  const remember = () => sessionStorage.setItem(focusKey,
    JSON.stringify({ start: text.selectionStart, end: text.selectionEnd }));
  text._focusKey = focusKey;
  // the old box of this same text, still on the page while the new one is built (a busy
  // server sends the elements that replace it a moment later), is not "elsewhere"
  const ours = (node) => !!node && node !== text && node._focusKey === focusKey;
  const focused = () => {  // the box is in a shadow root: the document sees only its host
    let node = document.activeElement;
    while (node && node.shadowRoot && node.shadowRoot.activeElement) {
      node = node.shadowRoot.activeElement;
    }
    return node;
  };

  const pyValue = data.value ?? "";
  const unsent = pending();
  const wasFocused = !parentElement._attached && sessionStorage.getItem(focusKey);
  if (!parentElement._attached) {
    // first render: text typed earlier that Python never acknowledged wins, sent with the
    // version it was typed on, so Python can tell whether someone saved since
    if (unsent && unsent.text !== pyValue) {
      text.value = unsent.text;
      text._typing = true;
      parentElement._base = Number.isInteger(unsent.base) ? unsent.base : 0;
      status.textContent = parentElement._labels.restored;
      if (!conflict) send(unsent.text);
    } else {
      text.value = pyValue;
      parentElement._base = data.version;
      localStorage.removeItem(storeKey);
    }
  } else if (conflict) {
    // keep the user's words in the box; the choice decides
  } else if (pyValue === text.value) {
    text._typing = false;
    parentElement._base = data.version;
    if (unsent && unsent.text === pyValue) localStorage.removeItem(storeKey);
    status.textContent = data.saved_note ?? parentElement._labels.saved;
  } else if (pyValue === parentElement._sent) {
    parentElement._base = data.version;  // our own save came back while we typed on
  } else if (!text._typing) {
    text.value = pyValue;  // someone else's text, adopted only while we are not typing
    parentElement._base = data.version;
  }
  // while typing, a newer version from someone else does not move the base: the words
  // were typed on the version the user saw
  parentElement._debounce = data.debounce ?? 500;

  if (!parentElement._attached) {
    let timer = null;
    text.addEventListener("input", () => {
      text._typing = true;
      keep(text.value);
      clearTimeout(timer);
      if (parentElement._conflict) {  // "yours" follows the box until the user chooses
        el("mine_text").textContent = text.value;
        return;
      }
      status.textContent = parentElement._labels.typing;
      timer = setTimeout(() => send(text.value), parentElement._debounce);
    });
    text.addEventListener("blur", () => {
      clearTimeout(timer);
      if (text._typing && !parentElement._conflict) send(text.value);
      // the user left the box, or the page replaced it (then the new box takes over)
      setTimeout(() => {
        if (text.isConnected && !ours(focused())) sessionStorage.removeItem(focusKey);
      }, 0);
    });
    for (const event of ["focus", "input", "keyup", "select", "mouseup"]) {
      text.addEventListener(event, remember);
    }
    const choose = (how) => {
      const c = parentElement._conflict;
      if (!c) return;
      parentElement._conflict = null;
      el("choice").hidden = true;
      parentElement._base = c.version;
      if (how === "mine") {
        send(text.value);
      } else if (how === "theirs") {
        text.value = c.theirs;
        text._typing = false;
        localStorage.removeItem(storeKey);
        tell({ choice: "theirs", base: c.version, at: Date.now() });
      } else {
        text.value = c.theirs + "\n\n" + c.mine;
        text._typing = true;
        keep(text.value);
        status.textContent = parentElement._labels.typing;
        tell({ choice: "merge", base: c.version, at: Date.now() });
        text.focus();
      }
    };
    el("keep_mine").addEventListener("click", () => choose("mine"));
    el("keep_theirs").addEventListener("click", () => choose("theirs"));
    el("merge").addEventListener("click", () => choose("merge"));
    parentElement._attached = true;
    const active = focused();
    const elsewhere = active && active !== document.body && !ours(active);
    if (wasFocused && !elsewhere && !text.disabled) {
      let caret = null;
      try { caret = JSON.parse(wasFocused); } catch (e) { caret = null; }
      text.focus();
      const end = text.value.length;
      text.setSelectionRange(Math.min(caret?.start ?? end, end), Math.min(caret?.end ?? end, end));
    }
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
    # the browser's backup belongs to the person signed in: on a shared computer, text
    # one person typed and never sent is neither shown to the next nor saved as theirs
    owner = st.session_state.get(LOGIN_KEY) or ""

    own = st.session_state.setdefault(f"{key}_versions", set())

    def changed() -> None:
        state = st.session_state.get(internal) or {}
        sent = _decode(state.get("value") if isinstance(state, dict) else None)
        if sent is None:
            return
        if sent.get("choice") in ("theirs", "merge"):  # nothing to save yet
            st.session_state.pop(f"{key}_error", None)
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
            "storage_key": f"{owner}/{storage_key}" if owner else storage_key,
            "debounce": debounce_ms,
            "height": height,
            "placeholder": placeholder,
            "disabled": disabled,
            "labels": labels,
            "saved_note": saved_note,
            "conflict": _conflict(st.session_state.get(f"{key}_error")),
        },
        default={"value": None},
        key=internal,
        on_value_change=changed,
    )
    sent = _decode(result.value)
    return sent["text"] if sent is not None and "text" in sent else value


def _conflict(error) -> dict | None:
    """Both texts of an edit conflict and the words of the choice, for the browser."""
    if not isinstance(error, EditConflictError) or (choice := text_choice(error)) is None:
        return None
    t = Translator(st.session_state.get("app_language", "en"))
    return {
        "mine": choice.mine,
        "theirs": choice.theirs,
        "version": choice.their_version,
        "labels": {
            "title": t("autosave.conflict_title", by=choice.by, at=choice.at),
            "mine_head": t("autosave.mine"),
            "theirs_head": t("autosave.theirs", by=choice.by),
            "keep_mine": t("autosave.keep_mine"),
            "keep_theirs": t("autosave.keep_theirs"),
            "merge": t("autosave.merge"),
        },
    }


def _decode(raw) -> dict | None:
    """The browser sends {"text": ..., "base": version} as a JSON string, or
    {"choice": "theirs" | "merge", "base": version} when the user settles a conflict."""
    if not isinstance(raw, str):
        return None
    try:
        sent = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(sent, dict):
        return None
    if isinstance(sent.get("text"), str) or sent.get("choice") in ("theirs", "merge"):
        return sent
    return None
