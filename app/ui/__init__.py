"""DOM glue: reads the forms, calls the logic, renders results. Browser only."""
from __future__ import annotations


async def start() -> None:
    import js

    doc = js.document
    for fs in doc.querySelectorAll("fieldset.gate"):
        fs.disabled = False
    doc.getElementById("lang").disabled = False
    doc.getElementById("app-status").textContent = "Ready."
    doc.getElementById("app-error").hidden = True
    doc.documentElement.dataset.appState = "ready"
