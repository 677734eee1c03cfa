"""View-models: everything the page says and offers, decided without the DOM.

Pure functions from the ``SecurityState``, the sign-in method, an ``Outcome``
or a typed error to language-free descriptions made of ``Say(key, params)``,
which the painters (``app/ui/*.py``) translate when they paint, so that a
language switch paints every text already on screen again. Nothing here (nor
anything it imports) imports ``js``: every decision is unit-tested under
CPython (tests/unit/ui/).

* ``say``: ``Say`` and the parameter kinds (foreign values, hosts, commands);
* ``access``: each section's availability line(s) and the actions it offers;
* ``overview``: the rows of "status at a glance" and the next step;
* ``outcomes``: what a change made true, what it ended, what still works;
* ``errors``: an error as the page presents it (message, field, focus, offer);
* ``sections``: per-section texts (state lines, consequences, key reports);
* ``signin``: the sign-in card (what "stay signed in" keeps, offline, devices);
* ``early``: what becomes of a sign-in pressed before Python was ready;
* ``language``: which language to show and what to save to the account;
* ``uistate``: the per-user UI state, one object that sign-out replaces.
"""
from app.ui.views.say import Foreign, Host, Ltr, Say

__all__ = ["Say", "Foreign", "Host", "Ltr"]
