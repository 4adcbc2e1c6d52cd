"""Named cross-cutting pieces: money, identifiers, regions, bilingual text, audit, errors, idempotency."""
