"""Trusted records (可信存证): a transparency log speaking RFC 6962 and the C2SP tlog standards."""
