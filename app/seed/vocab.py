"""Word lists the demo-data generator draws from: varied enough that searches find
different things, small enough to keep the generator fast."""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    """
Aaliyah Aaron Abigail Adam Adrian Aisha Alan Alejandro Alex Alice Amara Amelia Amir Ana
Andre Andrea Angela Anika Anna Antonio Aria Arjun Asha Ben Benedikt Bianca Brandon Brian
Camila Carlos Caroline Catherine Chen Chloe Chris Claire Daniel Daria David Deepa Diana
Diego Dmitri Elena Eli Elif Elijah Elise Emeka Emily Emma Eric Esther Ethan Fatima Felix
Fiona Francesca Gabriel Grace Hana Hannah Harper Hassan Helen Henry Hiroshi Ian Ibrahim
Ines Irene Isaac Isabel Ivan Jack Jacob James Jamal Jana Javier Jennifer Jessica Jin Joao
Jonas Jordan Jose Joseph Julia Julian Kai Karim Katarina Kate Kenji Kevin Khalid Kim Kofi
Lara Laura Layla Leah Lena Leo Liam Lila Lina Lucas Lucia Luis Maya Mariam Marco Maria
Mark Marta Mateo Matthew Mei Mia Michael Miguel Mila Mohamed Nadia Naomi Nathan Nia Nikhil
Nina Noah Nora Olga Oliver Olivia Omar Oscar Pablo Paul Paula Pedro Priya Rafael Rahul
Rania Raquel Rebecca Ren Ricardo Rosa Ruth Ryan Sade Samir Samuel Sana Sara Sebastian Selin
Seo-yeon Sergei Sofia Sophie Stefan Sunita Tariq Teresa Thomas Tobias Tomas Uma Valentina
Victor Vikram Wei William Xin Yara Yasmin Yuki Yusuf Zainab Zara Zoe
"""
)

LAST_NAMES = _words(
    """
Abara Adeyemi Ahmed Akhtar Alvarez Andersen Anderson Ansah Araujo Bakker Banerjee Barros
Becker Bennett Berg Bianchi Boateng Brooks Brown Campbell Carter Castillo Chandra Chen Cho
Clarke Cohen Collins Costa Cruz Dahl Das Davies Diaz Dubois Dufresne Edwards Eriksen Evans
Farouk Ferreira Fischer Fitzgerald Fontaine Garcia Gauthier Ghosh Gomez Gonzalez Gray Gupta
Haddad Hall Hansen Harris Hashemi Hayes Hernandez Hoffmann Hughes Ibrahim Ito Iyer Jackson
Jansen Jensen Johansson Johnson Jones Kaur Keller Kelly Khan Kim Klein Kowalski Kruger Kumar
Lambert Larsen Laurent Lee Lehmann Lewis Li Lindqvist Liu Lopez Marchetti Martin Martinez
Matsumoto Mbeki Mehta Mendes Meyer Miller Mitchell Moreau Morris Muller Murphy Nakamura
Nguyen Nielsen Novak Nowak Obi Okafor Okonkwo Oliveira Olsen Ortiz Osei Park Patel Perez
Petrov Pham Popescu Quinn Rahman Ramirez Reddy Reyes Richter Rivera Roberts Rodriguez Romano
Rossi Russo Sakura Sanchez Santos Sato Schmidt Schneider Schulz Scott Shah Sharma Silva
Singh Smith Sorensen Stewart Sullivan Suzuki Tanaka Taylor Thompson Torres Tran Turner
Vargas Verma Vogel Volkov Wagner Walker Wang Watanabe Weber Williams Wilson Wong Wright Wu
Xu Yamamoto Yang Yilmaz Young Zhang Zhou Zimmermann
"""
)

# (career title, industry)
CAREERS = [
    ("UX research", "Technology"),
    ("Data science", "Technology"),
    ("Product management", "Technology"),
    ("Site reliability engineering", "Technology"),
    ("Clinical psychology", "Healthcare"),
    ("Public health policy", "Government"),
    ("Urban planning", "Government"),
    ("Environmental consulting", "Energy"),
    ("Renewable energy project development", "Energy"),
    ("Investment banking", "Finance"),
    ("Actuarial science", "Insurance"),
    ("Museum curation", "Arts and culture"),
    ("Science journalism", "Media"),
    ("Technical writing", "Technology"),
    ("Supply chain analytics", "Logistics"),
    ("Nonprofit fundraising", "Nonprofit"),
    ("Patent law", "Legal"),
    ("Biomedical engineering", "Healthcare"),
    ("Game design", "Entertainment"),
    ("Landscape architecture", "Construction"),
]
CAREER_STATUSES = ["interested", "researching", "interviewing", "pursuing", "ruled_out"]

ORG_PREFIXES = _words(
    """
Acme Alder Apex Arbor Atlas Aurora Beacon Birch Blue Bright Brook Cascade Cedar Civic
Clear Cobalt Comet Copper Coral Crescent Crest Delta Ember Evergreen Falcon Fern Frontier
Glacier Granite Harbor Hawthorn Helix Horizon Indigo Iris Juniper Keystone Lakeside Linden
Lumen Maple Meridian Mosaic North Oak Orbit Orchid Pacific Pine Pioneer Polar Prairie
Quartz Radiant Redwood Ridge River Sage Sequoia Silver Solstice Spruce Summit Terra Tidal
Trail Union Vale Vertex Willow Zenith
"""
)
ORG_SUFFIXES = _words(
    """
Analytics Labs Health Partners Systems Studio Capital Energy Foundation Institute Works
Logistics Media Group Collective Consulting Bank Insurance Research Design Robotics Bio
Planning Trust Network Ventures Press Clinic Museum Agency Council
"""
)

CITIES = [
    "Amsterdam",
    "Atlanta",
    "Austin",
    "Berlin",
    "Boston",
    "Chicago",
    "Denver",
    "Dublin",
    "Lagos",
    "Lisbon",
    "London",
    "Melbourne",
    "Mexico City",
    "Montreal",
    "Nairobi",
    "New York",
    "Oslo",
    "Paris",
    "Portland",
    "San Francisco",
    "Sao Paulo",
    "Seattle",
    "Singapore",
    "Stockholm",
    "Tokyo",
    "Toronto",
    "Vancouver",
    "Remote",
]

SENIORITY = ["", "", "Senior ", "Lead ", "Principal ", "Junior ", "Staff ", "Head of "]
ROLES = [
    "UX Researcher",
    "Data Scientist",
    "Product Manager",
    "Software Engineer",
    "Site Reliability Engineer",
    "Clinical Psychologist",
    "Policy Analyst",
    "Urban Planner",
    "Environmental Consultant",
    "Project Developer",
    "Investment Banker",
    "Actuary",
    "Curator",
    "Science Journalist",
    "Technical Writer",
    "Supply Chain Analyst",
    "Development Director",
    "Patent Attorney",
    "Biomedical Engineer",
    "Game Designer",
    "Landscape Architect",
    "Recruiter",
    "Operations Manager",
    "Research Scientist",
    "Design Manager",
]

TAGS = [
    "alumni",
    "mentor",
    "conference",
    "meetup",
    "referral",
    "hiring manager",
    "recruiter",
    "former colleague",
    "bootcamp",
    "volunteer",
    "podcast guest",
    "author",
    "speaker",
    "remote",
    "startup",
    "enterprise",
    "public sector",
    "nonprofit",
    "warm intro",
    "cold outreach",
    "linkedin",
    "twitter",
    "slack community",
    "university",
    "career fair",
    "friend of family",
    "industry expert",
    "follow up soon",
    "met twice",
    "potential mentor",
]

HOW_WE_MET = [
    "Met at a local meetup after a talk on {topic}.",
    "Introduced over email by a former colleague.",
    "Alumni network of my university.",
    "Sat next to each other at a conference workshop about {topic}.",
    "Replied to my post in a community forum about {topic}.",
    "Cold message on LinkedIn; answered within a day.",
    "Friend of a friend from a volunteering day.",
    "Spoke on a podcast episode about {topic}.",
    "",
    "",
]

TOPICS = [
    "accessibility",
    "machine learning",
    "climate risk",
    "behavioural economics",
    "user interviews",
    "pricing strategy",
    "hospital operations",
    "grant writing",
    "zoning reform",
    "battery storage",
    "open data",
    "incident response",
    "museum digitisation",
    "regulatory compliance",
    "procurement",
    "community engagement",
    "clinical trials",
    "level design",
    "public transit",
    "onboarding",
    "hiring pipelines",
    "remote work",
    "mentorship",
    "portfolio reviews",
    "certifications",
    "salary negotiation",
    "career changes",
    "team culture",
    "burnout",
    "stakeholder management",
]

# Sentence templates for interaction summaries, interview summaries and answer notes.
# {topic}, {skill}, {tool}, {org}, {city}, {n} and {role} are filled in from the lists.
NOTE_TEMPLATES = [
    "They said the biggest shift in the next few years will be {topic}.",
    "Hiring managers look for {skill} more than any particular degree.",
    "A typical week is roughly {n} hours of meetings and the rest on focused work with {tool}.",
    "Recommended learning {tool} before applying; most teams use it daily.",
    "Got into the field through {topic}, after {n} years in a different role.",
    "Suggested I talk to someone at {org} who leads the {role} team.",
    "The culture at {org} is collaborative but deadlines around {topic} are tight.",
    "Advice: build a small portfolio project about {topic} and write up what you learned.",
    "Entry-level roles in {city} are competitive; internships and referrals matter a lot.",
    "Salary bands vary widely; {skill} and domain knowledge move people up fastest.",
    "The hardest part of the job is {topic}, which nobody mentions in job descriptions.",
    "They read two newsletters a week and follow the {topic} community closely.",
    "Mentioned that {skill} is underrated and that strong writing sets people apart.",
    "Offered to review my resume and introduce me to a {role} in {city}.",
    "Remote work changed how their team handles {topic}; fewer meetings, more documents.",
    "Most of their day goes into {skill} and coordinating with other teams.",
    "Biggest surprise when starting: how much of the work is {topic}.",
    "They would hire someone with {skill} and curiosity over a perfect resume.",
    "Certifications help less than a track record; {n} good references carry more weight.",
    "Expect the first {n} months to be mostly learning the domain and the tools.",
    "Recommended the book on {topic} and the course on {tool}.",
    "Warned that {topic} is a crowded niche; suggested a broader angle.",
    "Their team at {org} grew from {n} to twice that in two years.",
    "They moved from {city} for the role and liked the change of pace.",
    "Good questions to ask in interviews: how success is measured and who owns {topic}.",
    "Follow up in {n} weeks with what I did about their advice on {skill}.",
]
SKILLS = [
    "clear writing",
    "statistics",
    "stakeholder management",
    "SQL",
    "Python",
    "facilitation",
    "systems thinking",
    "budgeting",
    "public speaking",
    "negotiation",
    "qualitative research",
    "project management",
    "visual design",
    "technical depth",
    "empathy",
    "regulatory knowledge",
]
TOOLS = [
    "Figma",
    "Excel",
    "Tableau",
    "Jupyter",
    "Kubernetes",
    "Salesforce",
    "QGIS",
    "AutoCAD",
    "Unity",
    "SPSS",
    "Jira",
    "Notion",
    "R",
    "Terraform",
    "Looker",
    "Airtable",
]

OWN_BANK_QUESTIONS = [
    ("future_of_industry", "Where is your industry heading in the next five years?"),
    ("future_of_industry", "What trends worry you the most?"),
    ("qualifications", "Which skills matter most for someone starting out?"),
    ("qualifications", "What experience did you have when you were hired?"),
    ("everyday_work", "What does a typical week look like for you?"),
    ("everyday_work", "What part of the job takes more time than people expect?"),
    ("career_path", "How did you get into this field?"),
    ("career_path", "What would you do differently if you started again?"),
    ("culture", "How would you describe the culture on your team?"),
    ("advice", "What advice would you give someone exploring this career?"),
    ("resources", "Which books, courses or communities would you recommend?"),
    ("next_steps", "Who else would you suggest I talk to?"),
]
