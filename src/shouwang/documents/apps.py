from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "shouwang.documents"
    verbose_name = _("Documents")

    def ready(self):
        # Imported here, not at the top: the apps below are optional (built beside documents,
        # merged later) and their selectors import models.
        from shouwang.incidents import hooks as incident_hooks
        from shouwang.ops.sweeps import register_health_check, register_sweep

        from . import sections, selectors, services
        from .health import pdf_warnings, stuck_warnings

        register_health_check(pdf_warnings)  # check-deploy: PDFs need pango and the Noto CJK fonts
        # A job whose worker died mid-way is given up on, so that it may be asked for again.
        register_sweep(services.documents_unstick, every_seconds=60)
        register_health_check(stuck_warnings)
        incident_hooks.register_page_links(
            selectors.incident_page_links
        )  # the incident page's link

        # The review, its aftermath items and the accountability findings come from the apps
        # below documents, through the names agreed for issue 15. Documents is above them, so
        # it is documents that wires them (they may not import a layer above them).
        if apps.is_installed("shouwang.aftermath"):
            from shouwang.aftermath import selectors as aftermath

            sections.register(sections.REVIEW, aftermath.review_for_incident)
            sections.register(sections.AFTERMATH_ITEMS, aftermath.items_for)
        if apps.is_installed("shouwang.accountability"):
            from shouwang.accountability import selectors as accountability

            sections.register(sections.FINDINGS, accountability.findings_for_incident)
