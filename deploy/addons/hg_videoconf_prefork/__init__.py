"""Server-wide module (``server_wide_modules = base,web,hg_videoconf_prefork``):
never installed in a database, it only widens the listen backlog of Odoo's
prefork server.

Odoo 18 listens with a backlog of ``8 × workers`` (40 with 5 workers) and
has no option for it.  When more connections arrive at once than workers
plus backlog can hold, Linux overflows the accept queue, answers with SYN
cookies and then resets the connections it cannot take: with 200 users
at once, about a third of the requests failed with "connection reset"
(bench/README.md).  A request waiting in a longer queue is served a moment
later instead.  ``listen_backlog`` in the configuration file (default 1024,
capped by the kernel's ``net.core.somaxconn``) sets the length.
"""

import logging

_logger = logging.getLogger(__name__)
DEFAULT_BACKLOG = 1024


def post_load():
    from odoo.service import server
    from odoo.tools import config

    if getattr(server.PreforkServer, "_vc_backlog_patched", False):
        return
    start = server.PreforkServer.start

    def start_with_backlog(self):
        start(self)
        if getattr(self, "socket", None):
            try:
                backlog = int(config.get("listen_backlog") or DEFAULT_BACKLOG)
            except ValueError:
                backlog = DEFAULT_BACKLOG
            backlog = max(backlog, 8 * self.population)
            # listen() again on a listening socket only changes its backlog
            self.socket.listen(backlog)
            _logger.info("HTTP listen backlog: %s", backlog)

    server.PreforkServer.start = start_with_backlog
    server.PreforkServer._vc_backlog_patched = True
