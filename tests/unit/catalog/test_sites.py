from leak_tests.catalog.expectations import expectation_for
from leak_tests.catalog.names import SITE_IDS
from leak_tests.catalog.sites import SITES, context_ids
from leak_tests.matrix.plan import plan_scenarios


def test_sites_follow_site_ids_order() -> None:
    # GIVEN / WHEN / THEN
    assert tuple(SITES) == SITE_IDS


def test_site_job_is_app_job_named_after_site() -> None:
    # GIVEN / WHEN / THEN
    for site in SITES.values():
        assert site.job.__name__ == f"{site.id}_job"
        assert site.job.__module__ == "app.notifications.jobs"


def test_notices_tag_recipients_per_scenario() -> None:
    # GIVEN two tags
    for site in SITES.values():
        # WHEN
        first = site.recipients(site.build_notice("12"))
        second = site.recipients(site.build_notice("13"))

        # THEN no recipient is shared between them
        assert not set(first) & set(second), site.id


def test_approval_expects_four_recipients() -> None:
    # GIVEN
    site = SITES["booking_approval_notifications"]

    # WHEN
    recipients = site.recipients(site.build_notice("5"))

    # THEN customer and vendor, each by e-mail and WhatsApp
    assert recipients == (
        "customer-5@example.test",
        "155510000005",
        "vendor-5@example.test",
        "155520000005",
    )
    assert site.sends is not None


def test_context_ids_keep_id_fields() -> None:
    # GIVEN
    notice = SITES["vendor_assignment_whatsapp"].build_notice("8")

    # WHEN / THEN
    assert context_ids(notice) == {"booking_id": 8, "vendor_id": 1}


def test_fixed_scenarios_expect_clean_only() -> None:
    # GIVEN / WHEN
    fixed = [spec for spec in plan_scenarios() if spec.pattern == "fixed"]

    # THEN
    for spec in fixed:
        assert expectation_for(spec).verdicts == ("clean",), spec.id


def test_pool_expectation_names_mechanism() -> None:
    # GIVEN / WHEN
    pool = [spec for spec in plan_scenarios() if spec.context == "pool"]

    # THEN
    for spec in pool:
        assert "retained by pool workers" in expectation_for(spec).mechanism
