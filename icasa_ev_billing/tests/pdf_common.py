import os
import shutil
import subprocess
import tempfile

from odoo.tests import HttpCase


class PdfTextMixin(HttpCase):
    """Render a report to a real PDF (wkhtmltopdf) and read it back as text (pdftotext).

    In test mode Odoo renders reports as HTML unless the context says
    ``force_report_rendering``. wkhtmltopdf loads the report's style sheets from
    the test run's server: an HttpCase, whose server shares the test's cursor
    (a TransactionCase's server would wait for the test's uncommitted asset
    bundle, and wkhtmltopdf with it). ``ICASA_REPORT_DIR``, when set, keeps a
    copy of each PDF there, to look at.
    """

    def _render_pdf(self, report_ref, records):
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        content, report_format = report._render_qweb_pdf(report_ref, records.ids)
        self.assertEqual(report_format, "pdf")
        self.assertTrue(content.startswith(b"%PDF"), "wkhtmltopdf made no PDF")
        return content

    def _pdf_text(self, report_ref, records, name=None):
        """``(text, pages)``: the PDF's text in reading order (``pdftotext -layout``) and its page count."""
        if not shutil.which("pdftotext"):
            self.fail("pdftotext is missing: install poppler-utils (setup/test.sh installs it as root)")
        content = self._render_pdf(report_ref, records)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "report.pdf")
            with open(path, "wb") as handle:
                handle.write(content)
            keep = os.environ.get("ICASA_REPORT_DIR")
            if keep:
                os.makedirs(keep, exist_ok=True)
                shutil.copy(path, os.path.join(keep, f"{name or report_ref}.pdf"))
            text = subprocess.run(
                ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
            ).stdout
        return text, text.count("\f")

    def _squash(self, text):
        """The text with runs of spaces as one, to assert phrases across layout columns."""
        return " ".join(text.split())
