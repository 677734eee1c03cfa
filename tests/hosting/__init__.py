"""The README's hosting examples run through real nginx and Caddy (a package, so its
browser fixture closes when it ends)."""
