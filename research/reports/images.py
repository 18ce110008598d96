"""Charts as PNG images for the PDF, drawn by Kaleido in headless Chromium.

Kaleido finds Debian's /usr/bin/chromium by itself (it never downloads a browser
here). Starting the browser takes seconds, drawing a chart a fraction of one, so the
browser is started once per process, on the first chart, and closed when the process
ends. A lock keeps two report requests (two app sessions are two threads) from
talking to it at once.
"""

from __future__ import annotations

import atexit
import threading

import plotly.graph_objects as go

from research.reports.data import ReportError

SCALE = 2  # pixels per CSS pixel: sharp when printed

_lock = threading.Lock()
_registered = False


def _start() -> None:
    """Start the browser unless it runs (again, should it have died); close it at exit."""
    global _registered
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    if not _registered:
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _registered = True


def warm_up() -> None:
    """Start the browser in the background while the report's numbers are gathered, so a
    first PDF does not wait for both one after the other."""

    def start() -> None:
        with _lock:
            try:
                _start()
            except Exception:  # noqa: BLE001 - png() starts it again and reports the error
                pass

    threading.Thread(target=start, name="kaleido-warm-up", daemon=True).start()


def png(fig: go.Figure, width: int, height: int) -> bytes:
    """``fig`` as a PNG of width × height CSS pixels (at SCALE). Raises ReportError when
    no Chromium can be found or it fails to draw."""
    import kaleido
    from kaleido.errors import ChromeNotFoundError, KaleidoError

    with _lock:
        try:
            _start()
            return kaleido.calc_fig_sync(
                fig.to_dict(),
                opts={"format": "png", "width": width, "height": height, "scale": SCALE},
            )
        except ChromeNotFoundError as e:
            raise ReportError("error.report_no_browser") from e
        except KaleidoError as e:
            raise ReportError("error.report_chart_failed", detail=str(e)) from e
