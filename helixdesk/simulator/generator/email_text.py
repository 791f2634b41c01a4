"""Human-readable email text rendered from one row of the episode tape.

The tape stores numbers only; this module turns a row into the email a support agent would read.
Rendering is off the RL hot path and fully deterministic: every wording choice is drawn from
``numpy.random.default_rng(int(row[Email.TEXT_SEED]))``, so the same row always gives the same text.

The text carries the ground truth that the numeric signals may blur:

* a query asks how something works; a complaint reports what went wrong and asks for a fix or a
  refund; a review case carries an explicit high-complexity marker (legal counsel, a GDPR erasure
  request, suspected card fraud, several separate issues, a regulator referral);
* an ambiguous email keeps its content but takes the opposite tone: angry queries that only ask
  a question, cheerful complaints that still ask for a fix;
* complaint wording scales with severity, and the sign-off shows the customer's tier;
* an escalation keyword from :data:`ESCALATION_KEYWORDS` appears if and only if the row's
  keyword flag is set, so none of the other word lists may contain one.

Categories without hand-written word lists (added through the config) get generic wording that
names the category, so new categories need no code edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from helixdesk.config import HelixConfig
from helixdesk.simulator.schema import Email
from helixdesk.spaces import FLAG_FOR_REVIEW, QUERY, TIERS

ESCALATION_KEYWORDS: tuple[str, ...] = (
    "urgent",
    "lawsuit",
    "legal action",
    "chargeback",
    "outage",
    "cancel my account",
    "data breach",
    "escalate",
)

_TOPICS: dict[str, tuple[str, ...]] = {
    "billing": (
        "Updating a saved payment card",
        "Understanding an invoice",
        "Changing the billing cycle",
        "Requesting a VAT invoice",
        "Applying a promo code",
        "Refunds for duplicate charges",
        "Switching plans mid-cycle",
        "Retrying a failed payment",
    ),
    "shipping": (
        "Tracking a parcel",
        "Changing a delivery address",
        "International delivery times",
        "Express delivery options",
        "Missing items in a delivery",
        "Delivery to a pickup point",
        "Customs and import fees",
        "Rescheduling a delivery",
    ),
    "technical": (
        "Resetting the mobile app",
        "Connecting to the API",
        "Fixing sync errors",
        "Supported browsers",
        "Setting up webhooks",
        "Exporting data to CSV",
        "Troubleshooting slow page loads",
        "Installing the desktop client",
    ),
    "account": (
        "Resetting a password",
        "Changing the login email address",
        "Adding team members",
        "Merging duplicate accounts",
        "Updating profile details",
        "Managing notification settings",
        "Transferring account ownership",
        "Closing an account",
    ),
    "product": (
        "Choosing the right size",
        "Product care instructions",
        "Warranty coverage",
        "Comparing product models",
        "Checking stock availability",
        "Setting up a device",
        "Compatible accessories",
        "Product safety information",
    ),
    "returns": (
        "Starting a return",
        "Printing a return label",
        "Refund processing times",
        "Exchanging an item",
        "Returning a gift",
        "Items that cannot be returned",
        "Returns after 30 days",
        "Returning a damaged item",
    ),
    "security": (
        "Enabling two-factor authentication",
        "Recognising phishing emails",
        "Reviewing login activity",
        "Securing a compromised login",
        "Managing API keys",
        "Setting up single sign-on",
        "Password requirements",
        "Reporting a vulnerability",
    ),
    "general": (
        "Contacting support",
        "Business opening hours",
        "Giving product feedback",
        "Partnership enquiries",
        "Accessibility options",
        "Nonprofit discounts",
        "Using the community forum",
        "Finding the terms of service",
    ),
}
_PROBLEMS: dict[str, tuple[str, ...]] = {
    "billing": (
        "I was charged twice for invoice {ref}",
        "my card was billed again after I had already downgraded",
        "the discount I was promised never appeared on invoice {ref}",
    ),
    "shipping": (
        "order {ref} never arrived",
        "the parcel for order {ref} turned up crushed",
        "my delivery was left at the wrong address",
    ),
    "technical": (
        "the app crashes every time I open it",
        "sync keeps failing on workspace {ref}",
        "the dashboard has not loaded properly since your last update",
    ),
    "account": (
        "I am locked out of account {ref}",
        "my profile changes keep getting lost",
        "a colleague was removed from our account without warning",
    ),
    "product": (
        "the item from order {ref} stopped working after a week",
        "the product I received is not the one I ordered",
        "a part was missing from the box for order {ref}",
    ),
    "returns": (
        "my refund for return {ref} has still not come through",
        "the return label you sent me is rejected at the post office",
        "my exchange for order {ref} was cancelled without explanation",
    ),
    "security": (
        "I got a sign-in alert from a device I do not recognise",
        "my two-factor codes have stopped arriving",
        "my password was reset without me asking",
    ),
    "general": (
        "nobody replied to my last two messages (case {ref})",
        "I was kept on hold for an hour and then cut off",
        "two of your agents gave me opposite answers about case {ref}",
    ),
}
_GENERIC_PROBLEMS = (
    "my {category} request {ref} went wrong",
    "the {category} issue I raised as {ref} is still not resolved",
    "your {category} service did not work as described",
)
_REF_NOUNS = {
    "billing": "invoice",
    "shipping": "order",
    "technical": "workspace",
    "account": "account",
    "product": "order",
    "returns": "return",
    "security": "account",
    "general": "case",
}

_QUERY_SUBJECTS = (
    "Question about {topic_l}",
    "Quick question: {topic}",
    "Help with {topic_l}?",
    "{Category}: how does {topic_l} work?",
    "Information on {topic_l}",
)
_ANGRY_QUERY_SUBJECTS = (
    "WHY is {topic_l} so hard to find?!",
    "Still NO answer on {topic_l}!!",
    "Seriously, how does {topic_l} work?",
    "FED UP searching for {topic_l}",
)
_COMPLAINT_SUBJECTS = (
    "Problem with {obj}",
    "Please fix: {obj}",
    "Refund request for {obj}",
    "Not happy with {obj}",
    "{Category} issue with {obj}",
)
_CHEERFUL_SUBJECTS = (
    "Small hiccup with {obj} :)",
    "Loving the service, one little thing",
    "Quick favour regarding {obj}",
    "Tiny {category} issue, thank you!",
)
_QUERY_BODIES = (
    "Could you explain {topic_l}? I could not find it in the help centre.",
    "I would like some information about {topic_l}. Is there a guide you can point me to?",
    "How does {topic_l} work for {obj}? I just want to make sure I do it right.",
    "What are the steps for {topic_l}? I am happy to do it myself if you point me to a guide.",
)
_ANGRY_QUERY_BODIES = (
    "I have spent AGES on your website and STILL cannot find a straight answer. "
    "How does {topic_l} actually work?",
    "Honestly, this is RIDICULOUS. Your help pages go round in circles. "
    "All I need to know is the steps for {topic_l}.",
    "Why is it SO hard to find anything about {topic_l}?! Nothing is broken, "
    "I simply want to know how it works.",
    "I am fed up of searching. WHERE is the information on {topic_l}? Just tell me how it is done.",
)
_COMPLAINT_BODIES = (
    "{Problem}, and nobody has fixed it. {severity} Please sort this out or refund me.",
    "I am not happy: {problem}. {severity} I expect this to be fixed, or my money back.",
    "Something has gone wrong with {obj}: {problem}. {severity} Please put it right.",
    "I followed your guide on {topic_l}, but {problem}. {severity} I want this fixed and refunded.",
)
_CHEERFUL_BODIES = (
    "First of all, I love your service, you have been brilliant so far! Just a tiny thing: "
    "{problem}. {severity} A fix or a refund whenever you can would be wonderful.",
    "Hope you are all having a lovely week, your team is always fantastic! I did notice that "
    "{problem}. {severity} I would be really grateful for a fix or a refund.",
    "Big fan here, honestly. Small hiccup though: {problem}. {severity} "
    "Could you put it right for me? Thank you so much!",
    "Thanks for such a great product! Unfortunately {problem}. {severity} "
    "I would appreciate it if you could sort it out or credit my account. :)",
)
_QUERY_TEMPLATES = {
    False: (_QUERY_SUBJECTS, _QUERY_BODIES),
    True: (_ANGRY_QUERY_SUBJECTS, _ANGRY_QUERY_BODIES),
}
_COMPLAINT_TEMPLATES = {
    False: (_COMPLAINT_SUBJECTS, _COMPLAINT_BODIES),
    True: (_CHEERFUL_SUBJECTS, _CHEERFUL_BODIES),
}
_SEVERITY = (
    (
        "Everything has ground to a halt because of this and we are losing money every hour.",
        "This is causing real problems for my work this week.",
        "It has been a frustrating few days.",
        "It is a minor annoyance, but I would like it sorted.",
    ),
    (
        "It has actually brought all our work to a halt, which is a shame!",
        "It is making this week a little tricky for us.",
        "It has been a bit of a puzzle for a few days.",
        "It is honestly no big deal.",
    ),
)
_REVIEW_OPENINGS = (
    "I am writing formally and would like a senior member of staff to review this.",
    "Please pass this to a supervisor; I do not think a standard reply will cover it.",
    "I need this handled by someone with the authority to decide it.",
)
_REVIEW_CASES = (
    (
        "Formal notice regarding {obj}",
        "I have consulted my legal counsel, who advised me to put "
        "the following on record: {problem}.",
    ),
    (
        "Request to erase my personal data (GDPR)",
        "Under Article 17 of the GDPR I ask you to "
        "erase all personal data you hold about me, and to send me a copy of it first. "
        "This follows an incident where {problem}.",
    ),
    (
        "Payments I believe are fraudulent",
        "I have disputed three payments with my bank because I "
        "believe my card was used fraudulently on your site. Separately, {problem}.",
    ),
    (
        "Several separate issues with {obj}",
        "There are several separate issues here that all need "
        "an answer: {problem}; two invoices that do not match my plan; and an address change that "
        "never took effect.",
    ),
    (
        "Matter for the ombudsman: {obj}",
        "Unless I receive a full written explanation I will "
        "refer this to the ombudsman and the consumer regulator: {problem}.",
    ),
)
_KEYWORD_LINES = (
    "This is urgent.",
    "Please treat this as urgent.",
    "If this is not fixed today, I will cancel my account.",
    "I am ready to file a chargeback with my card issuer.",
    "Our lawyers are already talking about a lawsuit.",
    "We are considering legal action.",
    "For us this is a full outage.",
    "For all I know this could be a data breach.",
    "Please escalate this to a manager right now.",
)

_FIRST = (
    "Dana",
    "Priya",
    "Marcus",
    "Elena",
    "Tomas",
    "Aisha",
    "Liam",
    "Mei",
    "Jonas",
    "Fatima",
    "Oliver",
    "Sofia",
    "Kwame",
    "Hannah",
    "Diego",
    "Ingrid",
)
_LAST = (
    "Whitfield",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Patel",
    "Nakamura",
    "Brennan",
    "Alvarez",
    "Kowalski",
    "Haddad",
    "Fischer",
    "Osei",
)
_COMPANIES = (
    "Acme Logistics",
    "Brightwater Analytics",
    "Northwind Traders",
    "Juniper & Co",
    "Pinecrest Dental",
    "Harbor Lane Studio",
    "Redfern Robotics",
    "Copperleaf Foods",
)
_ROLES = ("Operations Manager", "Head of IT", "Finance Director", "Customer Success Lead", "CTO")
_DOMAINS = ("example.com", "example.org", "example.net")
_GREETINGS = ("Hi,", "Hello,", "Hi there,", "Dear support team,", "Hello HelixDesk team,")
_CLOSINGS = ("Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Many thanks,")


@dataclass(frozen=True)
class RenderedEmail:
    """One email as a person would read it."""

    sender: str
    subject: str
    body: str
    tier: str
    category: str


def topic_title(category: str, topic: int) -> str:
    """Short KB article title; generic for topics beyond the hand-written list."""
    titles = _TOPICS.get(category, ())
    if 0 <= topic < len(titles):
        return titles[topic]
    return f"{_upper_first(_display(category))} question #{topic}"


def render_email(row: np.ndarray, config: HelixConfig) -> RenderedEmail:
    """The email described by one tape row; the same row always renders the same text."""
    rng = np.random.default_rng(int(row[Email.TEXT_SEED]))
    category = config.email_gen.categories[int(row[Email.CATEGORY])]
    tier = TIERS[int(row[Email.TIER])]
    slots = _slots(rng, category, int(row[Email.TOPIC]))
    true_class, ambiguous = int(row[Email.TRUE_CLASS]), bool(row[Email.AMBIGUOUS] == 1.0)
    if true_class == FLAG_FOR_REVIEW:
        subject, message = _review_text(rng, slots)
    else:
        subject, message = _plain_text(rng, slots, true_class, ambiguous, int(row[Email.SEVERITY]))
    if row[Email.KEYWORD] == 1.0:
        subject, message = _with_keyword(rng, subject, message)
    first, last = _pick(rng, _FIRST), _pick(rng, _LAST)
    sender = f"{first} {last} <{first.lower()}.{last.lower()}@{_pick(rng, _DOMAINS)}>"
    closing = f"{_pick(rng, _CLOSINGS)}\n{_signature(rng, first, last, tier)}"
    body = f"{_pick(rng, _GREETINGS)}\n\n{message}\n\n{closing}"
    return RenderedEmail(sender=sender, subject=subject, body=body, tier=tier, category=category)


def _slots(rng: np.random.Generator, category: str, topic: int) -> dict[str, str]:
    """Template slot values shared by subject and body."""
    ref = f"#{int(rng.integers(100_000, 1_000_000))}"
    title = topic_title(category, topic)
    problem = _pick(rng, _PROBLEMS.get(category, _GENERIC_PROBLEMS))
    problem = problem.format(ref=ref, category=_display(category))
    return {
        "topic": title,
        "topic_l": _lower_first(title),
        "problem": problem,
        "Problem": _upper_first(problem),
        "obj": f"{_REF_NOUNS.get(category, _display(category) + ' request')} {ref}",
        "category": _display(category),
        "Category": _upper_first(_display(category)),
    }


def _plain_text(
    rng: np.random.Generator,
    slots: Mapping[str, str],
    true_class: int,
    ambiguous: bool,
    severity: int,
) -> tuple[str, str]:
    """Subject and message of a query or complaint, in its own tone or (ambiguous) the other."""
    if true_class == QUERY:
        subjects, bodies = _QUERY_TEMPLATES[ambiguous]
        return _fill(rng, subjects, slots), _fill(rng, bodies, slots)
    subjects, bodies = _COMPLAINT_TEMPLATES[ambiguous]
    severity_line = _SEVERITY[int(ambiguous)][severity]
    return _fill(rng, subjects, slots), _fill(rng, bodies, {**slots, "severity": severity_line})


def _review_text(rng: np.random.Generator, slots: Mapping[str, str]) -> tuple[str, str]:
    subject, case = _REVIEW_CASES[int(rng.integers(len(_REVIEW_CASES)))]
    opening = _pick(rng, _REVIEW_OPENINGS)
    message = f"{opening} {case.format(**slots)}\n\nPlease confirm in writing who is handling this."
    return subject.format(**slots), message


def _with_keyword(rng: np.random.Generator, subject: str, message: str) -> tuple[str, str]:
    """Add an escalation keyword line to the message, and sometimes tag the subject."""
    if rng.random() < 0.5:
        subject = f"URGENT: {subject}"
    return subject, f"{message} {_pick(rng, _KEYWORD_LINES)}"


def _signature(rng: np.random.Generator, first: str, last: str, tier: str) -> str:
    if tier == "free":
        return first if rng.random() < 0.5 else f"{first} {last}"
    company = _pick(rng, _COMPANIES)
    if tier == "pro":
        return f"{first} {last}\n{company} — Pro plan"
    return f"{first} {last}, {_pick(rng, _ROLES)}\n{company} — Enterprise plan"


def _fill(rng: np.random.Generator, templates: Sequence[str], slots: Mapping[str, str]) -> str:
    return _pick(rng, templates).format(**slots)


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _display(category: str) -> str:
    return category.replace("_", " ")


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (e.g. ``VAT``)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
