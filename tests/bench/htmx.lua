-- wrk script: ask as htmx does (the section fragment, not the page).
wrk.headers["HX-Request"] = "true"
