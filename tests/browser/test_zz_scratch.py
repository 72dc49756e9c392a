from typing import Any
from pathlib import Path
from .conftest import biggest_gallery
from .test_gallery_editor_browser import USABLE_JS, FIRST_RENDER_JS, LOAD_MS

def test_profile(page: Any, jupyterlab: Any) -> None:
    base, token, _ = jupyterlab
    _, images = biggest_gallery()
    page.goto(f"{base}/lab/tree/editor.ipynb?token={token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LOAD_MS)
    page.evaluate("""() => { window.__lt = []; new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lt.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({type: 'longtask'}); }""")
    page.evaluate("""async () => {
          const app = window.jupyterapp;
          let nb = app.shell.currentWidget;
          while (!nb || !nb.sessionContext) { await new Promise((r) => setTimeout(r, 100)); nb = app.shell.currentWidget; }
          await nb.context.ready; await nb.sessionContext.ready;
          await app.commands.execute('notebook:run-all-cells');
        }""")
    first = page.wait_for_function(FIRST_RENDER_JS, timeout=LOAD_MS, polling="raf").json_value()
    ready = page.wait_for_function(USABLE_JS, arg=len(images), timeout=LOAD_MS, polling="raf").json_value()
    done = int(page.locator(".snb-test-done").get_attribute("data-t"))
    origin = page.evaluate("performance.timeOrigin")
    print("done", done - origin, "first", first - origin, "ready", ready - origin)
    print("longtasks", page.evaluate("window.__lt"))
    res = page.evaluate("performance.getEntriesByType('resource').filter(e => e.startTime > 0).map(e => [e.name.split('/').slice(-2).join('/'), Math.round(e.startTime), Math.round(e.responseEnd), e.transferSize])")
    for r in res:
        if r[1] > done - origin - 3000: print(r)
