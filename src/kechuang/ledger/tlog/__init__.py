"""The open transparency-log standards, in plain Python with no Django.

RFC 6962 tree hashing and proofs (``merkle``), C2SP signed notes and cosignatures (``note``),
checkpoints (``checkpoint``), tiles (``tiles``), offline proof files (``proof``) and the witness
protocol (``witness``). The rest of the ledger app builds on these; a verifier needs nothing else.
"""
