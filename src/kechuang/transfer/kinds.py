"""The transfer app's kinds of ledger record, registered when the app is ready.

The contract registry logs four kinds. What a registration *is* — its number, the contract type,
the date, where seller and buyer are (province level) and the state it ended in — is public, so a
tax office or a counterparty can check a certificate offline against the log. What the contract
*says* — the parties, the title, the amounts and the non-technical items — is business
information the parties gave the registry in confidence, so it is logged only as a salted
commitment (ADR 0006); the public record carries that commitment's digest, and the seller can
disclose record, salt and receipt to whoever needs the figures. Every other step of an application
is committed privately too, so the office's dates can be proved in a dispute over the time limit.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kechuang.ledger.kinds import Kind, register

REGISTRATION = register(
    Kind(name="transfer.registration", version=1, label=_("Technology contract registered"), public=True)
)
REGISTRATION_END = register(
    Kind(
        name="transfer.registration_end",
        version=1,
        label=_("Technology contract registration terminated, cancelled or superseded"),
        public=True,
    )
)
REGISTRATION_CONTRACT = register(
    Kind(name="transfer.registration_contract", version=1, label=_("Registered technology contract (details)"))
)

# A signed deal (assignment, licence, investment as equity, joint development). Public: a state unit's
# negotiated price is publicised before signing anyway (促进科技成果转化法 §18) and exchange or auction
# prices are public by their nature; a seller outside the state sector logs it as a commitment instead
# (see ``kechuang.transfer.services.deals``).
DEAL_SIGNED = register(Kind(name="transfer.deal_signed", version=1, label=_("Technology deal signed"), public=True))
# Each status change (submitted, returned, resubmitted, decided): when the office received and answered,
# which a dispute over the time limit turns on. Private: the return reasons speak about the contract.
REGISTRATION_STEP = register(
    Kind(name="transfer.registration_step", version=1, label=_("Technology contract registration step"))
)

# Income distributed to a research team (科技成果转化收益分配). Both private: what one researcher receives is
# personal, and the receipt's figures are the unit's business information. One ``transfer.payout`` entry per
# person lets each researcher disclose their own record, salt and receipt without anyone else's; the
# ``transfer.distribution`` entry commits the whole distribution and names every payout entry's leaf hash.
PAYOUT = register(Kind(name="transfer.payout", version=1, label=_("Technology-transfer income paid to a researcher")))
DISTRIBUTION = register(
    Kind(name="transfer.distribution", version=1, label=_("Technology-transfer income distributed"))
)
