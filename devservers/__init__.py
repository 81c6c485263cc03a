"""Local SMTP and WhatsApp Cloud API peers, each run in its own process.

Start them with :mod:`devservers.launch`; run one by hand with
``python -m devservers.smtp`` or ``python -m devservers.whatsapp``.
"""
