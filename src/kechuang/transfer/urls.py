"""Pages of the transfer app, under ``/transfer/``."""

from django.urls import URLPattern, URLResolver, path

from kechuang.transfer.views import achievements, deals, home, income, market, registry

app_name = "transfer"

urlpatterns: list[URLPattern | URLResolver] = [
    # The landing page: the parts of the app the viewer can use.
    path("", home.transfer_home, name="home"),
    # Achievements (科技成果) and the completers' release requests.
    path("achievements/", achievements.achievement_list, name="achievements"),
    path("achievements/new/", achievements.achievement_create, name="achievement_create"),
    path("achievements/<int:pk>/", achievements.achievement_detail, name="achievement"),
    path("achievements/<int:pk>/edit/", achievements.achievement_edit, name="achievement_edit"),
    path("achievements/<int:pk>/release/", achievements.release_request, name="release_request"),
    path("releases/<int:pk>/decide/", achievements.release_decide, name="release_decide"),
    # Marketplace: opportunity cards and companies' answers.
    path("market/", market.market, name="market"),
    path("market/<int:pk>/", market.opportunity_detail, name="opportunity"),
    path("achievements/<int:pk>/opportunity/", market.opportunity_create, name="opportunity_create"),
    path("market/<int:pk>/close/", market.opportunity_close, name="opportunity_close"),
    path("market/<int:pk>/answer/", market.opportunity_answer, name="opportunity_answer"),
    # Deals.
    path("deals/", deals.deal_list, name="deals"),
    path("deals/settings/", deals.deal_settings, name="deal_settings"),
    path("achievements/<int:pk>/deal/", deals.deal_create, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", deals.deal_move, name="deal_move"),
    path("deals/<int:pk>/diligence/", deals.deal_diligence, name="deal_diligence"),
    path("deals/<int:pk>/first-refusal/", deals.deal_first_refusal, name="deal_first_refusal"),
    path("deals/<int:pk>/documents/", deals.deal_document_upload, name="deal_document_upload"),
    path("documents/<int:pk>/", deals.deal_document, name="deal_document"),
    # Technology-contract registry (技术合同认定登记) and its statistics.
    path("registry/", registry.mine, name="registry_mine"),
    path("registry/new/", registry.submit, name="registry_submit"),
    path("registry/queue/", registry.queue, name="registry_queue"),
    path("registry/<int:pk>/", registry.detail, name="registry_detail"),
    path("registry/<int:pk>/decide/", registry.decide, name="registry_decide"),
    path("registry/<int:pk>/resubmit/", registry.resubmit, name="registry_resubmit"),
    path("registry/<int:pk>/amend/", registry.amend, name="registry_amend"),
    path("registry/<int:pk>/terminate/", registry.terminate, name="registry_terminate"),
    path("statistics/", registry.statistics, name="registry_statistics"),
    path("statistics/download.<str:fmt>", registry.statistics_download, name="registry_statistics_download"),
    # Income and its distribution: policies, the team's split, receipts, distributions, statements.
    path("policies/", income.policy_list, name="income_policies"),
    path("achievements/<int:pk>/split/", income.split_page, name="income_split"),
    path("deals/<int:pk>/income/", income.deal_income, name="deal_income"),
    path("receipts/<int:pk>/reverse/", income.receipt_reverse, name="receipt_reverse"),
    path("receipts/<int:pk>/distribute/", income.receipt_distribute, name="receipt_distribute"),
    path("distributions/<int:pk>/", income.distribution_detail, name="income_distribution"),
    path("distributions/<int:pk>/approve/", income.distribution_approve, name="distribution_approve"),
    path("distributions/<int:pk>/discard/", income.distribution_discard, name="distribution_discard"),
    path("statements/", income.statement_page, name="statements"),
    path("statements/download.csv", income.statement_csv, name="statements_csv"),
    path("payouts/<int:pk>/receipt", income.payout_receipt, name="payout_receipt"),
    path("payouts/<int:pk>/disclosure.json", income.payout_disclosure, name="payout_disclosure"),
]
