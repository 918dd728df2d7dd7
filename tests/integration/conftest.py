"""The in-process world of the deal-flow tests, shared by the integration tests that build on it."""

from tests.integration.test_deal_flow import world  # noqa: F401
