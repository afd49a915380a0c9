{  # noqa: B018  (an Odoo manifest is a bare dict)
    "name": "Video-Conference Survey: prefork listen backlog",
    "summary": "Server-wide: a listen backlog for prefork mode that holds a "
    "burst of simultaneous requests (configuration key listen_backlog)",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "Sở TT&TT Hà Giang",
    "website": "https://stttt.hagiang.gov.vn",
    "license": "LGPL-3",
    "depends": ["base"],
    "post_load": "post_load",
    "installable": True,
}
