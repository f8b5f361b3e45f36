"""The shipped templates: plain, short, and true to the method (learn, don't ask for a job)."""

from __future__ import annotations

BUILTIN_TEMPLATES: list[dict[str, str]] = [
    {
        "builtin_key": "outreach",
        "name": "Request for an informational interview",
        "kind": "outreach",
        "subject": "Could I learn about your work{% if career.title %} in {{ career.title }}{% endif %}?",
        "body": """Dear {{ contact.first_name or contact.full_name }},

{% if introducer.full_name %}{{ introducer.full_name }} suggested I get in touch. {% endif %}I am exploring {% if career.title %}{{ career.title }}{% else %}your field{% endif %} and would value 20 to 30 minutes of your time to hear how you got started and what the work is really like.

I am not looking for a job: I want to learn from someone who does the work. A call, a video chat or a coffee at a time that suits you would be wonderful.

Thank you for considering it,
{{ me.name }}
""",
    },
    {
        "builtin_key": "thank_you",
        "name": "Thank you after an interview",
        "kind": "thank_you",
        "subject": "Thank you for your time",
        "body": """Dear {{ contact.first_name or contact.full_name }},

Thank you for talking with me{% if interview.date %} on {{ interview.date }}{% endif %} about {% if career.title %}{{ career.title }}{% else %}your work{% endif %}{% if organization.name %} at {{ organization.name }}{% endif %}.{% if interview.takeaway %} I keep thinking about what you said: "{{ interview.takeaway }}"{% endif %}

Your advice gives me a much clearer picture of the field. I will let you know how things develop.

With thanks,
{{ me.name }}
""",
    },
    {
        "builtin_key": "status_update",
        "name": "Job-search status update",
        "kind": "status_update",
        "subject": "An update from {{ me.name }}",
        "body": """Dear {{ contact.first_name or contact.full_name }},

Since we spoke{% if career.title %} about {{ career.title }}{% endif %}, your advice has shaped my plans. I wanted to let you know that I am now {{ job_search.status|lower }}.{% if job_search.note %}

{{ job_search.note }}{% endif %}

If you hear of anyone I should talk to, I would be grateful for an introduction.

Best wishes,
{{ me.name }}
""",
    },
    {
        "builtin_key": "check_in",
        "name": "Staying in touch",
        "kind": "check_in",
        "subject": "Checking in",
        "body": """Dear {{ contact.first_name or contact.full_name }},

It has been a while since we last spoke, and I wanted to say hello and share where I am now{% if career.title %} in exploring {{ career.title }}{% endif %}.

I hope all is well{% if organization.name %} at {{ organization.name }}{% endif %}.

Best,
{{ me.name }}
""",
    },
    {
        "builtin_key": "send_resume",
        "name": "Resume cover note",
        "kind": "send_resume",
        "subject": "My resume, as promised",
        "body": """Dear {{ contact.first_name or contact.full_name }},

As promised, here is my resume. I would welcome any feedback on how it reads to someone{% if career.title %} in {{ career.title }}{% else %} in your field{% endif %}.

Thank you again for your time,
{{ me.name }}
""",
    },
    {
        "builtin_key": "thank_introducer",
        "name": "Thank the introducer",
        "kind": "thank_introducer",
        "subject": "Thank you for the introduction",
        "body": """Dear {{ contact.first_name or contact.full_name }},

Thank you for introducing me to {{ referral.full_name or "your colleague" }}. I will let you know how our conversation goes.

With thanks,
{{ me.name }}
""",
    },
    {
        "builtin_key": "keep_promise",
        "name": "Keeping a promise",
        "kind": "keep_promise",
        "subject": "Following up on what I promised",
        "body": """Dear {{ contact.first_name or contact.full_name }},

When we spoke I said I would {{ promise.text or "follow up" }}. Here it is.

Best,
{{ me.name }}
""",
    },
]
