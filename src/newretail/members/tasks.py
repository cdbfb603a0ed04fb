"""Periodic work of the members domain."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from newretail.members.actions.cards import grant_level_cards, issue_monthly_coupons, remind_expiring_cards
from newretail.members.actions.levels import grant_birthday_gifts, review_levels
from newretail.members.actions.points import expire_points


@db_periodic_task(crontab(hour="3", minute="41"))
def expire_points_task() -> int:
    """Points batches past the end of their year expire overnight."""
    return expire_points()


@db_periodic_task(crontab(hour="4", minute="7"))
def review_levels_task() -> int:
    """The yearly level review of members whose level is a year old (a batch a night)."""
    return review_levels()


@db_periodic_task(crontab(hour="8", minute="3"))
def birthday_gifts_task() -> int:
    """Birthday points (生日礼) in the morning of the member's birthday."""
    return grant_birthday_gifts()


@db_periodic_task(crontab(hour="5", minute="13"))
def cards_daily_task() -> dict[str, int]:
    """Free cards by level, expiry reminders, and each card's coupons for the month."""
    return {
        "granted": grant_level_cards(),
        "reminded": remind_expiring_cards(),
        "coupons": issue_monthly_coupons(),
    }
