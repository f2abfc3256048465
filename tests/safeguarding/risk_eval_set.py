"""The labelled evaluation set for the chat risk screen.

Each entry is ``(text, expected_severity, expected_categories)``: severity is ``"none"``,
``"concern"`` or ``"urgent"`` and categories is a tuple of category names (empty for benign).
Severities are plain strings so this module does not depend on the engine it evaluates and can be
dumped to JSON for the JavaScript port.

These messages were written for Hearth, in the voice of British parents (mums, dads and
partners) in the perinatal period, with their abbreviations (DH, DP, OH, LO, HV), typos,
text-speak and deliberate obfuscation. About two fifths are benign, and many of those are chosen
to trip a careless screen: exhausted-parent idioms, negations, reported speech and ordinary
worries that use alarming words.

How the sets were built, so their figures can be read honestly:

* The first 401 messages were written before any rule. The rules were then written against them.
* Three further batches were each written and labelled *before* being run, and measured as unseen
  text: urgent recall was 13/34, then 26/41, then 20/33. Each exposed families of phrasing the
  rules missed (and two real bugs); the rules were broadened and the batch joined EVAL_SET. So
  EVAL_SET is development data and its near-perfect figures are optimistic.
* HELDOUT_SET (60 messages) was kept out of tuning until the fifth round and was the honest
  figure then (urgent recall 17/22 = 0.773). The fifth round tuned on its misses; it is now part of
  EVAL_SET, still exported so its figures can be shown.

The fifth round (figures from ``python bench/risk_eval.py``; urgent recall counts messages decided
urgent, "reached" counts any severity; FA is benign messages given any severity):

* HELDOUT_SET_2 (164: 66 benign, 60 urgent, 38 concern) was written and labelled first, and
  measured on the rules as they stood: urgent recall 37/60 = 0.617 (40 reached), urgent precision
  0.925, concern 21/38 exact (23 reached), FA 2/66. Its misses were read then, and the first pass
  of rules was written from the families of risk language with those misses in mind, so its
  figure afterwards (59/60, FA 1/66) is optimistic. It joined EVAL_SET.
* The first pass (generalising by structure: means with intent, burden, violence verbs with body
  parts, threats that name their object, surveillance through devices, commanded harm, use while
  in charge of the baby) was developed on _FIFTH_BATCH (153 messages written for it, measured
  unseen first: urgent 24/69, concern reached 10/32, FA 6/52) and on probes of everyday
  look-alikes (_FIFTH_BATCH_PROBES), all now in EVAL_SET.
* HELDOUT_SET_3 (129: 50 benign, 48 urgent, 31 concern) was then written after freezing the first
  pass, and measured once: urgent recall 38/48 = 0.792 (the rules before the round: 35/48 =
  0.729), concern 21/31 exact, FA 0/50 (before: 0/50). Its misses were then tuned on (second
  pass) and it joined EVAL_SET.
* HELDOUT_SET_4 (131: 51 benign, 48 urgent, 32 concern) was written after freezing the second
  pass and measured once: urgent recall 35/48 = 0.729, urgent precision 35/35, concern 29/32
  exact, FA 0/51. The rules before the round scored 29/48 = 0.604, 27/32 and 0/51 on it, and the
  first pass alone already scored 35/48: the second pass (patching HELDOUT_SET_3's misses) added
  nothing on new text. 0.73 is the honest urgent recall on phrasing the rules have not seen, well
  short of the 0.95 on EVAL_SET (499/502, FA 8/565). It is the only held-out set now: keep it out
  of the tuning loop, and when it is tuned on, fold it in and write a new one.
* After that measurement, a review (not driven by HELDOUT_SET_4) narrowed guards that could hide
  risk ("this is goodbye, see you on the other side" was excused as an everyday absence) and added
  progressive forms of violence ("has been hitting me", found by the room tests); HELDOUT_SET_4's
  figures were unchanged by it.
* Sixth round. HELDOUT_SET_5 (161: 55 benign, 67 urgent, 39 concern) was written and labelled
  before any rule changed, and measured once on the rules as they stood (totals only; its misses
  were not read): urgent recall 47/67 = 0.701 (50 reached a facilitator), urgent precision 47/55
  = 0.855, concern 23/39 exact (27 reached), FA 4/55 = 0.073. By category (recall, precision):
  immediate_danger 0.583/0.875, suicide 0.552/0.889, self_harm 1.000/0.867, harm_to_baby
  0.688/0.846, psychosis 0.857/0.923, domestic_abuse 0.762/0.941, substance_misuse 0.417/1.000.
* The sixth round then tuned on HELDOUT_SET_4's misses and EVAL_SET's remaining ones (never on
  HELDOUT_SET_5): the pregnancy-kick idiom no longer excuses a named partner, 'on purpose' is not
  an accident, overdoses counted in bottles and boxes, a partner's plan, arranging who will have
  the children, letting go of the wheel, cushions and towels over a baby's face, fear of actually
  acting (not an intrusive thought), forced entry with the attacker coming in, a partner's
  'better off without you' as abuse, driving the children intoxicated, drugs got from someone
  while in charge of the baby. HELDOUT_SET_4 then scored 48/48 urgent, 32/32 concern, FA 0/51
  (tuned on, so optimistic) and joined EVAL_SET.
* After round six, with the rules frozen, HELDOUT_SET_5 scored urgent 48/67 = 0.716 (51
  reached), urgent precision 48/56, concern 25/39 exact (29 reached), FA 4/55: one more urgent
  message than before the round. Its text was known while tuning (its author did the tuning),
  though its misses were never read, so even this small gain may be optimistic.
* HELDOUT_SET_6 (103: 36 benign, 42 urgent, 25 concern) was written after round six froze and
  committed before it was run, then measured once: urgent recall 30/42 = 0.714 (30 reached),
  urgent precision 30/30, concern 19/25 exact (19 reached), FA 0/36. By category (recall,
  precision): immediate_danger 0.500/0.800, suicide 0.667/1.000, self_harm 1.000/1.000,
  harm_to_baby 0.636/1.000, psychosis 0.400/1.000, domestic_abuse 0.917/1.000,
  substance_misuse 0.833/1.000. This is the honest unseen figure: as in round five, patching
  one batch's misses barely moved recall on new text (about 0.70-0.73 on each of the last three
  unseen batches). HELDOUT_SET_5 and HELDOUT_SET_6 are the held-out sets now.
* The original 661 development messages are unchanged (urgent 241/241, concern 136/136, FA 1/284)
  and the old 60 held-out messages now score 22/22, 14/14, 0/24 (tuned on).

Labelling conventions (so that additions stay consistent):

* ``suicide``: urgent for thoughts of killing oneself, not wanting to live, plans, means, method
  research and goodbyes; concern for passive wishes (disappear, not wake up), feeling a burden,
  hopelessness, past episodes, and hypothetical questions that hint at personal relevance.
* ``self_harm``: urgent for current or planned self-injury; concern for urges resisted, past
  history, and milder coping behaviour (pinching, punching walls).
* ``harm_to_baby``: concern for intrusive thoughts (unwanted, frightening, the parent takes steps
  to stay safe); urgent for intent, harm done or nearly done, and "taking the baby with me".
* ``psychosis``: urgent for hallucinations, out-of-character beliefs (watched, chosen, baby
  replaced or special), not sleeping for days without tiredness, feeling invincible; concern for
  racing or confused thoughts and feeling strangely high.
* ``domestic_abuse``: urgent for violence, strangulation, sexual violence and threats to kill;
  concern for coercive control (phone, money, isolation, appointments) and emotional abuse.
* ``immediate_danger``: danger happening now (overdose taken, at a place to jump, abuser at the
  door or armed, bleeding that will not stop, a baby not breathing, "tonight" plans, a last
  message); always together with the category it arises from, where there is one.
* ``substance_misuse``: concern for dependence and drinking or using to cope; urgent when
  intoxicated while in sole charge of the baby.
* Means made ready (pills counted out or lined up, the rope ready) is immediate danger as well as
  suicide; means being gathered (tablets saved up, a stash) is suicide, urgent.
* What a member reports about a partner ("my wife keeps saying she wants to die", "my husband
  hears voices") is labelled in that category as if they had said it of themselves: either way
  the facilitator needs to know. A partner's words *about* the member ("he says the baby would be
  better off without me") are abuse, not the member's suicidality.
"""

from __future__ import annotations

from typing import Final

NONE: Final = "none"
CONCERN: Final = "concern"
URGENT: Final = "urgent"

EvalItem = tuple[str, str, tuple[str, ...]]

_BENIGN_IDIOMS: list[EvalItem] = [
    ("the baby is killing me tonight, that's the 4th wake up since midnight", NONE, ()),
    ("I could murder a coffee right now", NONE, ()),
    ("dying for a nap but she's decided 20 minutes is plenty", NONE, ()),
    ("my boobs are killing me, is engorgement always this bad?", NONE, ()),
    ("I'd kill for 4 hours' sleep in a row", NONE, ()),
    ("this teething will be the death of me", NONE, ()),
    ("I'm dead on my feet today", NONE, ()),
    ("honestly my back is killing me from all the rocking", NONE, ()),
    ("nearly died laughing when he weed all over his dad during the nappy change", NONE, ()),
    ("these night feeds are murder", NONE, ()),
    ("I'm absolutely shattered, could sleep for a week", NONE, ()),
    ("if one more person tells me to sleep when the baby sleeps I'll scream", NONE, ()),
    ("shoot me now, the health visitor is coming and the house is a tip", NONE, ()),
    ("she was dead to the world by 7pm, miracle", NONE, ()),
    ("he slept like the dead last night and I kept checking he was breathing", NONE, ()),
    ("my husband snores through every night feed, I could strangle him honestly 😂", NONE, ()),
    ("wanted to die of embarrassment when my milk leaked at the school gate", NONE, ()),
    ("I'm drowning in washing, how do two tiny people make this much", NONE, ()),
    ("this heatwave is killing me, 30 weeks pregnant and melting", NONE, ()),
    ("the hospital food was to die for, said no one ever", NONE, ()),
    ("I'm so done with this sleep regression lol", NONE, ()),
    ("cluster feeding is brutal, I feel like a zombie", NONE, ()),
    ("my mum's advice is driving me up the wall", NONE, ()),
    ("those pelvic floor exercises are the death of me", NONE, ()),
    ("I murdered a whole packet of biscuits at 3am, no regrets", NONE, ()),
    ("this cold has knocked me for six", NONE, ()),
    ("I'm running on fumes and cold tea", NONE, ()),
    ("the nursery fees are daylight robbery, they're killing us", NONE, ()),
    ("she screamed bloody murder when I put her in the car seat", NONE, ()),
    ("colic is literally killing me, 3 hours of screaming every evening", NONE, ()),
    ("he's a little terror but I'd die for him", NONE, ()),
    ("my feet are killing me after the walk to the clinic", NONE, ()),
    ("I want to crawl into bed and sleep for a year", NONE, ()),
    ("I'm at the end of my rope with the in-laws this week", NONE, ()),
    ("the breast pump is torture, I swear it was designed by a man", NONE, ()),
    ("I nearly killed myself tripping over the baby gate at 3am 🙃", NONE, ()),
    ("I could kill for a bath without someone needing me", NONE, ()),
    ("this is going to be the death of me, three under four", NONE, ()),
    ("so tired I could cry", NONE, ()),
    ("I'm knackered, running on two hours and a biscuit", NONE, ()),
    ("the birth nearly killed me but she was worth it", NONE, ()),
    ("i'd sell a kidney for a lie in", NONE, ()),
    ("DH is dying of man flu on the sofa while I do everything 🙄", NONE, ()),
    ("nap trapped again, send help (and snacks)", NONE, ()),
    ("when he laughs it kills me, too cute", NONE, ()),
    ("the dog is going to be the death of me, barking every time she drops off", NONE, ()),
    ("whoever invented baby grows with 20 poppers should be shot", NONE, ()),
    ("honestly I'd die for a full night's sleep", NONE, ()),
    ("pregnant with number two and dying to know if it's a boy or girl", NONE, ()),
    ("he shouted at the football again and woke the baby, I could have killed him", NONE, ()),
    ("think I've overdosed on caffeine today lol", NONE, ()),
    ("I nearly jumped out of my skin when the smoke alarm went off", NONE, ()),
    ("still learning the ropes with this one, she's nothing like her brother", NONE, ()),
    ("I'm hanging on by a thread till bedtime, then wine. kidding. tea.", NONE, ()),
    ("my arms are dead from rocking him for an hour", NONE, ()),
    ("bath time was a bloodbath tonight, water everywhere and both kids screaming", NONE, ()),
    ("my toddler will be the death of me, she's climbing everything", NONE, ()),
    ("kill me now, he's done a poo in the bath", NONE, ()),
    ("I'm going to hang the washing out while she naps, living the dream", NONE, ()),
]

_BENIGN_NEGATIONS: list[EvalItem] = [
    ("I'm not suicidal, just tired", NONE, ()),
    ("to be clear I'm not having any thoughts of hurting myself, I'm just really low", NONE, ()),
    ("never had any thoughts of harming the baby, I just feel flat and numb", NONE, ()),
    ("I don't want to kill myself or anything, I just want to sleep for a week", NONE, ()),
    ("He's never hit me, he's honestly been amazing since she was born", NONE, ()),
    ("not in any danger, just knackered and a bit weepy", NONE, ()),
    ("I don't drink at all while breastfeeding so it's been a long 18 months", NONE, ()),
    ("no voices or anything like that, it's more a constant anxiety", NONE, ()),
    ("I've never self harmed but I understand why people do", NONE, ()),
    ("I wouldn't ever hurt myself, the kids mean everything", NONE, ()),
    ("I'm not hearing things, I just can't switch my brain off at night", NONE, ()),
    ("my partner doesn't control anything, we share the money 50/50", NONE, ()),
    ("no thoughts of ending it, I promise, just needed to vent", NONE, ()),
    ("Feeling better this week, no dark thoughts at all", NONE, ()),
    ("I'm not depressed or suicidal, I'm just lonely since moving here", NONE, ()),
    ("he doesn't check my phone or anything, I just feel like we're ships in the night", NONE, ()),
    ("never felt unsafe at home, it's just the loneliness", NONE, ()),
    ("I haven't had a drink since I found out I was pregnant", NONE, ()),
    ("I'm not seeing things, the baby monitor really did make a weird noise lol", NONE, ()),
    ("not self-harming, just biting my nails to the quick", NONE, ()),
    ("I don't feel like I want to die, I feel like I want to run away for a day", NONE, ()),
    ("no thoughts of suicide, no self-harm, the GP was happy with me", NONE, ()),
    ("i dont want to hurt my baby, i love him so much, i just feel useless", NONE, ()),
    ("my husband would never lay a finger on me", NONE, ()),
    ("I'm not an alcoholic or anything but I do miss a proper night out", NONE, ()),
    ("i havent been self harming, i know thats what youre all worried about x", NONE, ()),
]

_BENIGN_REPORTED: list[EvalItem] = [
    ("my health visitor asked if I'd had thoughts of suicide and I said no", NONE, ()),
    (
        "the midwife asked whether I feel safe at home, which I do, it's just routine apparently",
        NONE,
        (),
    ),
    (
        "the GP asked if I'd had any thoughts of harming myself or the baby, "
        "I said no and she was lovely",
        NONE,
        (),
    ),
    (
        "the PHQ-9 form has a question about being better off dead, threw me a bit",
        NONE,
        (),
    ),
    (
        "watched a documentary on postpartum psychosis last night, "
        "I had no idea it could come on so fast",
        NONE,
        (),
    ),
    ("Does anyone know if the crisis team is the same as the perinatal team?", NONE, ()),
    (
        "my sister had postpartum psychosis with her first and she's doing brilliantly now",
        NONE,
        (),
    ),
    (
        "at antenatal class they went through signs of domestic abuse, "
        "it made me so grateful for my partner",
        NONE,
        (),
    ),
    ("is it normal that they ask about self harm at every single appointment?", NONE, ()),
    (
        "read an article saying suicide is a leading cause of death for new mums, that's so sad",
        NONE,
        (),
    ),
    ("what's the difference between baby blues and PND?", NONE, ()),
    (
        "my friend's partner used to check her phone and I didn't realise that was abuse until now",
        NONE,
        (),
    ),
    (
        "the leaflet says if you ever have thoughts of harming yourself to call 111 option 2, "
        "good to know",
        NONE,
        (),
    ),
    (
        "the HV did the questionnaire and asked if I'd ever thought about hurting myself. "
        "nope, just tired",
        NONE,
        (),
    ),
    (
        "my mum says she had scary thoughts after me too and never told anyone",
        NONE,
        (),
    ),
    ("how do you know if it's postnatal depression or just being a new mum?", NONE, ()),
]

_BENIGN_EVERYDAY: list[EvalItem] = [
    ("haven't slept properly in weeks, is this just newborn life?", NONE, ()),
    ("baby blues hit me hard on day 4, cried at a Bisto advert", NONE, ()),
    (
        "I cried in the car park at the GP's today, but I finally told them how I'm feeling",
        NONE,
        (),
    ),
    (
        "I cut his nails and nicked his finger, he didn't even notice but I cried for an hour",
        NONE,
        (),
    ),
    (
        "she rolled off the changing mat onto the floor, we got her checked at A&E and she's fine",
        NONE,
        (),
    ),
    ("I keep hearing phantom crying when I'm in the shower, is that normal?", NONE, ()),
    ("she choked on her milk a bit tonight and it really scared me", NONE, ()),
    ("he's so special, I still can't believe he's ours", NONE, ()),
    ("I hear you, the first 6 weeks are a blur", NONE, ()),
    ("the baby kicked me so hard in the ribs I yelled", NONE, ()),
    ("LO headbutted me and I've got a fat lip now 😂", NONE, ()),
    ("DD pulled my hair so hard it came out in clumps, postpartum hair loss is no joke", NONE, ()),
    ("my toddler punched me in the face while I was feeding the baby", NONE, ()),
    ("drowning in nappies and muslins over here", NONE, ()),
    ("she was milk drunk and passed out on me for 2 hours", NONE, ()),
    (
        "had my first glass of wine in ten months last night and it went straight to my head",
        NONE,
        (),
    ),
    ("is one glass of wine ok while breastfeeding? asking for me", NONE, ()),
    ("gas and air made me high as a kite, best part of labour", NONE, ()),
    ("does anyone else's baby hate the high chair?", NONE, ()),
    ("GP upped my sertraline and I'm actually starting to feel like me again", NONE, ()),
    ("I've been taking paracetamol and ibuprofen for the stitches, is that ok?", NONE, ()),
    ("I'm addicted to smelling his head, is that weird", NONE, ()),
    ("coffee is the only drug I need right now", NONE, ()),
    ("my partner watches the baby while I shower, it's the only 10 min I get", NONE, ()),
    ("my husband controls the remote and the thermostat, that's about it 😂", NONE, ()),
    ("we set up the baby monitor with the camera so I can watch her sleep", NONE, ()),
    ("I feel like everyone at baby group is watching me breastfeed and judging", NONE, ()),
    ("she's been crying for hours and I've tried everything", NONE, ()),
    ("I feel so low and tearful, is this PND?", NONE, ()),
    ("bleeding still heavy at 2 weeks postpartum, is that normal?", NONE, ()),
    ("I'm scared of bath time, he screams the whole way through", NONE, ()),
    ("knives are sharp - just cut my thumb making his puree 🙄", NONE, ()),
    ("I don't think I'm bonding with her and it makes me feel awful", NONE, ()),
    ("I get so angry when he won't settle, then feel guilty", NONE, ()),
    ("my anxiety is through the roof about SIDS, I check her breathing all night", NONE, ()),
    ("rang 111 last night because her temperature was 38.5, all fine now", NONE, ()),
    ("we're in A&E with bronchiolitis, she's on oxygen but stable", NONE, ()),
    ("I shook the bottle too hard and it went everywhere", NONE, ()),
    (
        "I dropped my phone on his head while feeding, he was fine but I felt terrible",
        NONE,
        (),
    ),
    ("dads get PND too apparently, I didn't know that until today", NONE, ()),
    ("as a dad I feel like nobody asks how I'm doing", NONE, ()),
    ("my wife has been amazing, I just feel like a spare part", NONE, ()),
    (
        "I took the baby for a long walk to give my partner a break, felt good to be useful",
        NONE,
        (),
    ),
    ("first time back at the gym since having him, my legs are dead", NONE, ()),
    (
        "I'm on my own with the baby all week while he's working away, any tips for staying sane?",
        NONE,
        (),
    ),
    ("she was up every hour, I'm hallucinating from tiredness lol", NONE, ()),
    ("I've been seeing things in a whole new light since becoming a mum", NONE, ()),
    (
        "my brain is mush, I put the milk in the cupboard and the cereal in the fridge",
        NONE,
        (),
    ),
    ("my thoughts are all over the place today, baby brain is real", NONE, ()),
    (
        "I feel a bit invisible since the baby came, everyone asks about her not me",
        NONE,
        (),
    ),
    (
        "he's started sleeping through and I feel like a new woman, on top of the world!",
        NONE,
        (),
    ),
    ("I haven't left the house in days because of the snow and her cold", NONE, ()),
    ("my partner has been taking the baby so I can sleep, I finally feel human", NONE, ()),
    ("the voices in my head are just nursery rhymes on repeat now", NONE, ()),
    ("he keeps telling me I'm doing a great job, he's been my rock", NONE, ()),
    ("nobody warned me how lonely maternity leave would be", NONE, ()),
    ("can't wait for this rain to stop so we can get out", NONE, ()),
    (
        "she was born at 34 weeks and spent 10 days in NICU, it still haunts me",
        NONE,
        (),
    ),
    ("flashbacks to the birth every time I go past the hospital", NONE, ()),
    ("I'm so angry at my body for not making enough milk", NONE, ()),
    ("my OH went back to work and I miss him loads, is that sad?", NONE, ()),
    ("Any recommendations for a sling? My arms are dead", NONE, ()),
    ("she threw up all over me then laughed, little monster", NONE, ()),
    (
        "the baby fell asleep on my chest and I didn't dare move for three hours",
        NONE,
        (),
    ),
    ("I've stopped going to baby group because I feel like I don't fit in", NONE, ()),
    (
        "do other dads feel useless during night feeds? I can't breastfeed so I just sit there",
        NONE,
        (),
    ),
    ("feeling a bit better, went for a coffee with another mum today", NONE, ()),
    (
        "we had a massive row about whose turn it was to get up, but we made up",
        NONE,
        (),
    ),
    ("I've moved the knife block so she can't reach it now she's cruising", NONE, ()),
    ("we walked over the bridge to the park and fed the ducks, lovely morning", NONE, ()),
    ("is it safe to take my iron tablets with tea?", NONE, ()),
    (
        "the baby's first jabs today, she screamed and I cried, and then we both had a nap",
        NONE,
        (),
    ),
    ("we've been arguing more since the baby, is that normal?", NONE, ()),
    ("how do you lot cope when your partner works nights?", NONE, ()),
    ("c-section scar is still sore at 8 weeks, anyone else?", NONE, ()),
    ("I hate my body right now, nothing fits", NONE, ()),
    ("I'm a single dad and some days I'm just running on autopilot", NONE, ()),
    ("just had a good cry in the shower and feel a bit better for it", NONE, ()),
    ("my mother-in-law keeps turning up unannounced, how do I say something?", NONE, ()),
    ("gonna have a wee nap while he's down, wish me luck", NONE, ()),
    ("wnt 2 say thanks to everyone last week, u helped loads x", NONE, ()),
    ("he's obsessed with the hoover, it's the only thing that stops him crying", NONE, ()),
]

_SUICIDE_URGENT: list[EvalItem] = [
    ("I want to kill myself. I can't do this anymore", URGENT, ("suicide",)),
    ("I've been thinking about ending my life every night this week", URGENT, ("suicide",)),
    ("honestly everyone would be better off if I was dead", URGENT, ("suicide",)),
    ("i dont want to be alive anymore", URGENT, ("suicide",)),
    ("I've been looking up how many paracetamol it would take", URGENT, ("suicide",)),
    ("I've got a stash of my tablets saved up in case I need them", URGENT, ("suicide",)),
    (
        "i keep thinking about jumping in front of a train on the way to the clinic",
        URGENT,
        ("suicide",),
    ),
    (
        "I've written letters for my husband and the baby. I just want them to know I loved them",
        URGENT,
        ("suicide",),
    ),
    ("kms honestly", URGENT, ("suicide",)),
    ("I want to k1ll myself", URGENT, ("suicide",)),
    ("feeling s u i c i d a l again tonight", URGENT, ("suicide",)),
    ("su1cidal thoughts are back and worse than before", URGENT, ("suicide",)),
    ("I just want to unalive myself tbh", URGENT, ("suicide",)),
    ("I'm suicidal and I don't know who to tell", URGENT, ("suicide",)),
    (
        "Sometimes I think about driving into a wall on the way home from work, "
        "the baby would be fine with her mum",
        URGENT,
        ("suicide",),
    ),
    ("I'm planning to end it once the baby's christening is done", URGENT, ("suicide",)),
    ("i want to dieeee", URGENT, ("suicide",)),
    ("I've decided I'm going to take my own life", URGENT, ("suicide",)),
    ("I keep thinking of hanging myself when everyone's asleep", URGENT, ("suicide",)),
    ("I don't see the point in living anymore", URGENT, ("suicide",)),
    ("I'd rather be dead than feel like this every day", URGENT, ("suicide",)),
    (
        "ive been researching ways to kill myself that wont look like suicide "
        "so the kids dont find out",
        URGENT,
        ("suicide",),
    ),
    ("Thinking about suicide a lot lately. Not sleeping, not eating.", URGENT, ("suicide",)),
    ("I wanna die", URGENT, ("suicide",)),
    (
        "Was gonna top myself last night, stood in the kitchen with the knife for ages",
        URGENT,
        ("suicide",),
    ),
    ("I want to end it all", URGENT, ("suicide",)),
    (
        "nobody would even notice if I disappeared for good. thinking of ending it",
        URGENT,
        ("suicide",),
    ),
    (
        "I've been having suicidal ideation since my son was born, my OB doesn't know",
        URGENT,
        ("suicide",),
    ),
    ("I don't want to be here anymore", URGENT, ("suicide",)),
    ("not sure I want to be alive anymore", URGENT, ("suicide",)),
    (
        "I'm not drinking, I'm not using, but I want to die",
        URGENT,
        ("suicide",),
    ),
    ("No I'm not ok. I keep thinking about ending it.", URGENT, ("suicide",)),
    (
        "I don't know why I'm telling you this but I keep thinking about killing myself",
        URGENT,
        ("suicide",),
    ),
    (
        "I never thought I'd be someone who wanted to die but here I am",
        URGENT,
        ("suicide",),
    ),
    ("I can't stop thinking about suicide", URGENT, ("suicide",)),
    ("I wish I was dead", URGENT, ("suicide",)),
    (
        "the HV asked if I'd had thoughts of suicide and I said yes, "
        "now I'm terrified they'll take her",
        URGENT,
        ("suicide",),
    ),
    ("I want to d i e", URGENT, ("suicide",)),
    ("thinking about sewerslide a lot", URGENT, ("suicide",)),
    ("I want to kiiiill myself", URGENT, ("suicide",)),
    ("k.m.s", URGENT, ("suicide",)),
    ("I wanna KILL MYSELF", URGENT, ("suicide",)),
    ("su!cide is all I think about", URGENT, ("suicide",)),
    ("od'd on my meds last night, still here unfortunately", URGENT, ("suicide",)),
    ("ending it all soon x", URGENT, ("suicide",)),
    ("ive been thinkin bout killin myself", URGENT, ("suicide",)),
    ("i wnt 2 die", URGENT, ("suicide",)),
    (
        "dad of two here. I've been thinking the family would get the life insurance "
        "and be better off without me, I've even checked the policy covers suicide",
        URGENT,
        ("suicide",),
    ),
    ("I'm going to kill myself when he goes back to work", URGENT, ("suicide",)),
    ("I've been self harming and thinking about suicide", URGENT, ("self_harm", "suicide")),
]

_SUICIDE_CONCERN: list[EvalItem] = [
    ("sometimes I wish I could just go to sleep and not wake up", CONCERN, ("suicide",)),
    ("they'd honestly be better off without me", CONCERN, ("suicide",)),
    ("I feel like such a burden to my family", CONCERN, ("suicide",)),
    ("I'm not actively suicidal but I think about dying a lot", CONCERN, ("suicide",)),
    ("what's the point in anything anymore", CONCERN, ("suicide",)),
    ("I wish I could just disappear", CONCERN, ("suicide",)),
    ("if I got hit by a bus tomorrow I honestly wouldn't mind", CONCERN, ("suicide",)),
    ("I feel hopeless, like it's never going to get better", CONCERN, ("suicide",)),
    (
        "I was suicidal after my first, but I got help and I'm doing much better this time",
        CONCERN,
        ("suicide",),
    ),
    (
        "my husband and the baby deserve better than me, they'd be happier if I wasn't here",
        CONCERN,
        ("suicide",),
    ),
    (
        "the HV asked if I'd had thoughts of ending my life and I didn't know what to say",
        CONCERN,
        ("suicide",),
    ),
    ("what should I do if I start having thoughts of suicide again?", CONCERN, ("suicide",)),
    ("I sometimes think about not being here anymore", CONCERN, ("suicide",)),
    ("Can't stop thinking everyone would be happier without me", CONCERN, ("suicide",)),
    ("I'm trapped and there's no way out", CONCERN, ("suicide",)),
    (
        "since the baby came I feel like a failure as a dad and a husband, "
        "like they'd manage fine without me",
        CONCERN,
        ("suicide",),
    ),
    ("I don't want to die, I just want it all to stop", CONCERN, ("suicide",)),
    ("Nobody would care if I died", CONCERN, ("suicide",)),
    (
        "if things don't get better I don't know how much longer I can keep going",
        CONCERN,
        ("suicide",),
    ),
]

_SELF_HARM_URGENT: list[EvalItem] = [
    ("I cut myself again last night, first time in 6 years", URGENT, ("self_harm",)),
    (
        "I've started self harming again, I'm hiding it under long sleeves",
        URGENT,
        ("self_harm",),
    ),
    ("I want to hurt myself so badly right now", URGENT, ("self_harm",)),
    ("been burning my arm with a lighter when he's asleep", URGENT, ("self_harm",)),
    ("i keep scratching my arms till they bleed", URGENT, ("self_harm",)),
    ("I punch myself in the head when she won't stop crying", URGENT, ("self_harm",)),
    ("relapsed with sh tonight. I'm sorry", URGENT, ("self_harm",)),
    ("I'm going to cut tonight, I need to feel something", URGENT, ("self_harm",)),
    ("s3lf h4rm is the only thing that helps", URGENT, ("self_harm",)),
    ("i've been hitting myself with my hairbrush", URGENT, ("self_harm",)),
    ("cutting is the only way I can cope at the moment", URGENT, ("self_harm",)),
    ("I banged my head against the wall until it bled", URGENT, ("self_harm",)),
    ("did self h a r m again last night", URGENT, ("self_harm",)),
]

_SELF_HARM_CONCERN: list[EvalItem] = [
    (
        "the urge to self harm is back and I'm scared I'll act on it",
        CONCERN,
        ("self_harm",),
    ),
    (
        "I used to self-harm as a teenager and I've been thinking about it again",
        CONCERN,
        ("self_harm",),
    ),
    ("I've had urges to hurt myself but I haven't done anything", CONCERN, ("self_harm",)),
    ("I feel like I deserve to be hurt", CONCERN, ("self_harm",)),
    (
        "does anyone else get the urge to dig their nails into their skin until it hurts?",
        CONCERN,
        ("self_harm",),
    ),
    (
        "been 2 years clean from self harm and it's really hard this week",
        CONCERN,
        ("self_harm",),
    ),
    (
        "my scars from when I used to cut are showing now I'm in short sleeves "
        "and the midwife asked",
        CONCERN,
        ("self_harm",),
    ),
    (
        "I pinch myself hard when I'm overwhelmed, it's the only thing that calms me",
        CONCERN,
        ("self_harm",),
    ),
    ("thinking about cutting again", CONCERN, ("self_harm",)),
    ("I've been punching walls when it all gets too much", CONCERN, ("self_harm",)),
]

_HARM_TO_BABY_INTRUSIVE: list[EvalItem] = [
    (
        "I keep getting these horrible thoughts of dropping her down the stairs, it terrifies me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I've hidden all the knives because I keep picturing stabbing him. "
        "I would never, I'm so scared",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "does anyone else have intrusive thoughts about drowning the baby in the bath? "
        "I can't bathe her on my own now",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I get flashes of throwing him over the balcony and it makes me feel sick",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I'm terrified I'm going to hurt my baby, I keep imagining it happening",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "what if I snap and shake her? the thought won't leave my head",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I had a thought about putting a pillow over his face and now I can't stop crying, "
        "what kind of mother am I",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I think I have perinatal OCD, I get images of the baby being hurt by me all day",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "my partner has to do bath time because I get scary thoughts about him going under "
        "the water",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I can't go near the kitchen knives when I'm holding her, my brain shows me awful things",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "since my son was born I get sudden thoughts of hurting him, "
        "I'm disgusted with myself and haven't told my wife",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "every time I change her nappy on the changing table I see her falling off "
        "and I have to step back",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "scary thoughts about the baby won't go away, I don't trust myself to be alone with him",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "i get intrusive thoughts of smothering her when she wont settle "
        "and it makes me feel like a monster",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I'm scared of myself, I keep imagining hurting my baby", CONCERN, ("harm_to_baby",)),
    (
        "I keep thinking what if I dropped him on purpose and I hate myself for even thinking it",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "the thought popped into my head of throwing her against the wall "
        "and I had to put her down and walk away",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I feel like I could shake him when he screams for hours, "
        "so I put him in the cot and go outside for a minute",
        CONCERN,
        ("harm_to_baby",),
    ),
]

_HARM_TO_BABY_INTENT: list[EvalItem] = [
    (
        "I'm going to hurt the baby if he doesn't stop screaming",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I shook her last night. She's ok I think but I can't stop shaking myself",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I nearly smothered him on purpose tonight", URGENT, ("harm_to_baby",)),
    ("I want to hurt my baby and I don't feel bad about it", URGENT, ("harm_to_baby",)),
    ("the baby would be better off dead than with me as a mum", URGENT, ("harm_to_baby",)),
    ("i'm going to take the baby with me when I go", URGENT, ("harm_to_baby", "suicide")),
    ("I hit my son today because he wouldn't stop crying", URGENT, ("harm_to_baby",)),
    (
        "I put my hand over her mouth to stop the crying and held it there too long",
        URGENT,
        ("harm_to_baby",),
    ),
    ("gonna smother the baby if she doesn't shut up", URGENT, ("harm_to_baby",)),
    (
        "I threw him onto the bed harder than I should have and I wanted to do it again",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "If he doesn't stop crying tonight I'll throw him out the window, I swear I will",
        URGENT,
        ("harm_to_baby",),
    ),
]

_PSYCHOSIS_URGENT: list[EvalItem] = [
    (
        "haven't slept for 3 days and I'm not even tired, I feel amazing, I've got so much to do",
        URGENT,
        ("psychosis",),
    ),
    ("I can hear voices telling me the baby isn't mine", URGENT, ("psychosis",)),
    (
        "I'm sure they swapped my baby at the hospital, she doesn't look like the baby I had",
        URGENT,
        ("psychosis",),
    ),
    (
        "God has chosen me and my baby for something special, I can feel it",
        URGENT,
        ("psychosis",),
    ),
    ("the TV has been sending me messages about my son", URGENT, ("psychosis",)),
    (
        "someone is watching us through the baby monitor, I've unplugged everything",
        URGENT,
        ("psychosis",),
    ),
    (
        "I feel invincible, like nothing can hurt me, I don't need sleep anymore",
        URGENT,
        ("psychosis",),
    ),
    (
        "i keep seeing things that aren't there, shadows moving round the cot",
        URGENT,
        ("psychosis",),
    ),
    (
        "My wife hasn't slept in four days and keeps saying the baby is the messiah. "
        "She says she's fine",
        URGENT,
        ("psychosis",),
    ),
    (
        "the neighbours are plotting against us and listening through the walls",
        URGENT,
        ("psychosis",),
    ),
    (
        "that's not my baby. someone's replaced him with a different one",
        URGENT,
        ("psychosis",),
    ),
    (
        "I've got a special mission and the baby is part of it, the signs are everywhere",
        URGENT,
        ("psychosis",),
    ),
    (
        "my girlfriend is talking really fast, not making sense and says she hears the baby "
        "talking to her in her head",
        URGENT,
        ("psychosis",),
    ),
    ("I'm hearing voices again", URGENT, ("psychosis",)),
    (
        "I haven't needed sleep since thursday, my mind is racing with genius ideas",
        URGENT,
        ("psychosis",),
    ),
    ("the radio is talking about me", URGENT, ("psychosis",)),
    ("I think the baby is the devil", URGENT, ("psychosis",)),
    ("I've been up for days and I don't feel tired at all", URGENT, ("psychosis",)),
    (
        "I feel on top of the world and I haven't slept in two days but who needs sleep",
        URGENT,
        ("psychosis",),
    ),
    (
        "dad here, haven't slept in 4 days and I feel like I've been chosen for something",
        URGENT,
        ("psychosis",),
    ),
]

_PSYCHOSIS_CONCERN: list[EvalItem] = [
    (
        "my thoughts are racing so fast I can't keep up with them and I feel really confused",
        CONCERN,
        ("psychosis",),
    ),
    ("I feel weirdly high and buzzy all the time, not like myself", CONCERN, ("psychosis",)),
    (
        "everything feels strange and unreal, like I'm in a dream, "
        "and I'm not sure what's real anymore",
        CONCERN,
        ("psychosis",),
    ),
    (
        "I think I might be developing postpartum psychosis, I keep getting really odd thoughts",
        CONCERN,
        ("psychosis",),
    ),
    (
        "my partner's behaving really strangely since the birth, "
        "saying odd things and barely sleeping",
        CONCERN,
        ("psychosis",),
    ),
]

_ABUSE_URGENT: list[EvalItem] = [
    (
        "he put his hands round my neck last night when I was holding the baby",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he choked me during an argument, I'm 30 weeks pregnant", URGENT, ("domestic_abuse",)),
    (
        "he said if I ever leave he'll kill me and take the baby",
        URGENT,
        ("domestic_abuse",),
    ),
    ("my partner hit me in the stomach when I was pregnant", URGENT, ("domestic_abuse",)),
    ("he pushed me down the stairs on Friday", URGENT, ("domestic_abuse",)),
    (
        "she strangled me until I nearly passed out, I'm a man, who would believe me?",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he's hit me again. the baby was in the room", URGENT, ("domestic_abuse",)),
    ("he threatened to kill me tonight", URGENT, ("domestic_abuse",)),
    (
        "my husband slapped me across the face in front of his mum",
        URGENT,
        ("domestic_abuse",),
    ),
    (
        "he grabbed me by the throat and pinned me against the wall",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he kicked me while I was breastfeeding", URGENT, ("domestic_abuse",)),
    ("he beats me when he's been drinking", URGENT, ("domestic_abuse",)),
    ("I'm scared he'll kill me one day", URGENT, ("domestic_abuse",)),
    ("my wife hits me and the kids have seen it", URGENT, ("domestic_abuse",)),
    (
        "he forces me to have sex even though I'm still healing from the birth",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he chocked me last night", URGENT, ("domestic_abuse",)),
    (
        "he hits me and I've started drinking every night to cope",
        URGENT,
        ("domestic_abuse", "substance_misuse"),
    ),
]

_ABUSE_CONCERN: list[EvalItem] = [
    (
        "he checks my phone every night and goes mad if I've messaged anyone",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he controls all the money, I have to ask him for £5 to get nappies",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he won't let me see my friends or my family anymore", CONCERN, ("domestic_abuse",)),
    (
        "he insists on coming to every midwife appointment and never lets me speak to her alone",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he tracks my location and calls if I'm five minutes late home",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "I'm walking on eggshells all the time in case he kicks off",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he calls me fat and useless and says no one else would want me now",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he took my bank card and said I don't need money because I'm not working",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "my partner reads all my messages and changed my passwords",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he won't let me go to baby groups, says they're a waste of time and I should be at home",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he says if I tell anyone about our rows he'll make sure social services take the baby",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "I'm not allowed to leave the house without telling him where I'm going and who with",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("I'm frightened of my husband", CONCERN, ("domestic_abuse",)),
    (
        "my partner screams at me, smashes things and won't let me see my son "
        "if I don't do what she says",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he smashed my phone so I couldn't call my mum", CONCERN, ("domestic_abuse",)),
    (
        "my partner makes me feel like I'm going mad, he says things never happened when they did",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he's cut me off from everyone since we moved, I don't know anyone here",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("my ex keeps turning up at my house and won't leave me alone", CONCERN, ("domestic_abuse",)),
    (
        "I'm scared to go home, he's been drinking all day",
        CONCERN,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "if he comes back tonight I don't know what he'll do",
        CONCERN,
        ("domestic_abuse", "immediate_danger"),
    ),
]

_IMMEDIATE_DANGER: list[EvalItem] = [
    ("I've just taken all my tablets", URGENT, ("immediate_danger", "suicide")),
    ("i took a load of paracetamol an hour ago", URGENT, ("immediate_danger", "suicide")),
    (
        "I'm standing on the bridge and I can't stop shaking",
        URGENT,
        ("immediate_danger",),
    ),
    (
        "he's outside banging on the door and trying to get in, "
        "me and the baby are in the bathroom",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "he's got a knife and he's saying he'll use it",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("I've cut too deep and it won't stop bleeding", URGENT, ("immediate_danger", "self_harm")),
    ("I've swallowed a bottle of pills with vodka", URGENT, ("immediate_danger", "suicide")),
    ("the baby isn't breathing properly and she's gone blue", URGENT, ("immediate_danger",)),
    (
        "this is my last message. thank you all for trying",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I'm sat in the car with the engine running in the garage",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    ("I've got the rope ready", URGENT, ("immediate_danger", "suicide")),
    (
        "help he's here and he's going to hurt me",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "I'm going to jump, I'm at the top of the car park now",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "bleeding really heavily after cutting and feeling faint",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    (
        "I've left the baby in the cot and I'm walking to the river",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I'm going to do it tonight. Goodbye everyone, I'm sorry",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I don't feel safe at home tonight",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("i've taken an overdose", URGENT, ("immediate_danger", "suicide")),
]

_SUBSTANCE_CONCERN: list[EvalItem] = [
    (
        "I've been drinking a bottle of wine every night just to get through",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "I'm taking more of my co-codamol than I'm meant to, "
        "it's the only thing that numbs everything",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I've relapsed, using again since the baby came", CONCERN, ("substance_misuse",)),
    (
        "I need a drink first thing in the morning now to stop the shakes",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "been smoking weed every night to switch off, is that bad while breastfeeding?",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "I'm addicted to the codeine they gave me after my c-section",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "I've been going to the pub straight from work every night because I can't face going home",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "i'm drinking way too much, like 3 bottles of wine a weekend on my own",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "started doing coke again at weekends when my partner has the baby",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "drinking to cope with the night feeds, vodka in my tea",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I'm hiding how much I drink from my husband", CONCERN, ("substance_misuse",)),
    (
        "I've been taking my mum's diazepam to get some sleep",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "can't get through the day without a few cans anymore",
        CONCERN,
        ("substance_misuse",),
    ),
]

_SUBSTANCE_URGENT: list[EvalItem] = [
    (
        "I'm so drunk right now and I'm on my own with the baby",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "I'm high and she won't stop crying and there's nobody else here",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "passed out drunk while I was meant to be watching the baby",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "had half a bottle of vodka and now I'm feeding her, is that ok",
        URGENT,
        ("substance_misuse",),
    ),
]

_SECOND_BATCH: list[EvalItem] = [
    # Written after the first draft of the rules to test how they generalised (they did poorly:
    # 13 of 34 urgent). The rules were then broadened by families of phrasing, so this batch is
    # development data now, like the rest of EVAL_SET; HELDOUT_SET below is the unseen check.
    ("honestly if she doesn't nap soon I'm going to lose my mind", NONE, ()),
    ("my nipples are killing me, cracked and bleeding, any tips?", NONE, ()),
    ("I feel like I'm failing at everything today but tomorrow's a new day", NONE, ()),
    ("lol my husband just said he'd kill for a takeaway, same", NONE, ()),
    (
        "the midwife asked if I'd had any thoughts of harming the baby, I said god no, she "
        "said they ask everyone",
        NONE,
        (),
    ),
    ("Anyone else's partner completely useless at night feeds? Love him but honestly", NONE, ()),
    ("I used to love running before the baby, miss it so much", NONE, ()),
    ("we're off to the river to see the ducks, first proper outing!", NONE, ()),
    ("I'm so high on love for this little guy", NONE, ()),
    ("my mum keeps checking my phone to see baby photos and it's actually sweet", NONE, ()),
    ("I took all my tablets this morning like the GP said, feeling a bit better", NONE, ()),
    ("I can't stop crying today, everything feels too much", NONE, ()),
    ("went to my first baby group and nobody talked to me, felt invisible", NONE, ()),
    ("when she finally latched I nearly died of happiness", NONE, ()),
    ("I'm not coping brilliantly but I'm not in danger, just need a moan", NONE, ()),
    (
        "he gets so frustrated with the baby crying that he has to go for a walk, which I "
        "think is sensible",
        NONE,
        (),
    ),
    (
        "we got a new car seat that's supposed to be easier, it's not, I want to throw it out"
        " the window",
        NONE,
        (),
    ),
    ("I could cheerfully strangle the health visitor for weighing him wrong", NONE, ()),
    ("my ex is a great dad to our older two, it helps so much", NONE, ()),
    ("still bleeding at 5 weeks, GP says it's normal but it's getting me down", NONE, ()),
    ("Baby swapped sides and finally fed properly!", NONE, ()),
    (
        "I gave the baby to my partner and went to sit in the car for ten minutes just to breathe",
        NONE,
        (),
    ),
    ("I'm dying to get back to work if I'm honest", NONE, ()),
    ("is it normal to feel nothing when you look at your baby?", NONE, ()),
    (
        "Thank you all, I was in a really dark place last month but the perinatal team have "
        "been amazing",
        NONE,
        (),
    ),
    ("our cat keeps watching the baby sleep, creepy but cute", NONE, ()),
    ("i had a dream the baby was swapped at the hospital, woke up in a sweat lol", NONE, ()),
    ("I'm worried my partner has PND, he's so withdrawn", NONE, ()),
    (
        "the baby monitor keeps picking up the neighbours' radio, so weird hearing voices at "
        "2am 😂",
        NONE,
        (),
    ),
    (
        "Does anyone else feel like they're being watched by the other mums at the school "
        "gate? lol",
        NONE,
        (),
    ),
    ("we've hidden the knives and put locks on the cupboards now he's crawling", NONE, ()),
    (
        "i genuinely think my family would be better off if i just wasnt here anymore",
        CONCERN,
        ("suicide",),
    ),
    (
        "I've been thinking about how I'd do it. I've looked at the bridge near us",
        URGENT,
        ("suicide",),
    ),
    ("Can't stop thinking about taking all my sertraline at once", URGENT, ("suicide",)),
    ("I'm going to take an overdose tonight", URGENT, ("immediate_danger", "suicide")),
    ("i just want to go to sleep forever", CONCERN, ("suicide",)),
    ("The thought of ending things is the only thing that calms me down", URGENT, ("suicide",)),
    ("I don't think I can keep myself safe tonight", URGENT, ("immediate_danger", "suicide")),
    ("I have a plan and I know when I'm going to do it", URGENT, ("suicide",)),
    ("I sliced my arm open last night, it needed steri strips", URGENT, ("self_harm",)),
    ("Been burning myself with the straighteners so no one notices", URGENT, ("self_harm",)),
    ("I slapped myself hard across the face because I'm so useless", CONCERN, ("self_harm",)),
    ("The urge to cut is so strong tonight", CONCERN, ("self_harm",)),
    (
        "I keep seeing myself smothering her with a pillow and it makes me want to be sick",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "Every time I walk past the window with him I imagine throwing him out and I have to "
        "hold him tighter",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I don't want to be left alone with the baby, I'm scared of what I might do",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I actually wanted to hurt her tonight when she wouldn't stop screaming. I put her "
        "down and walked out but I'm frightened",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I shook him. Not hard, but I did and I can't take it back", URGENT, ("harm_to_baby",)),
    ("I'm sure the midwives put a chip in my baby, they're tracking us", URGENT, ("psychosis",)),
    (
        "I haven't slept since Sunday and I've never felt more alive, I've repainted the "
        "whole house",
        URGENT,
        ("psychosis",),
    ),
    ("I keep hearing someone call my name when nobody's there", URGENT, ("psychosis",)),
    (
        "my wife thinks the baby is talking to her through the monitor and says God told her "
        "to name him",
        URGENT,
        ("psychosis",),
    ),
    ("I've been getting messages from the number plates on the school run", URGENT, ("psychosis",)),
    (
        "I know it sounds mad but I think I'm meant to save the world and the baby is the key",
        URGENT,
        ("psychosis",),
    ),
    ("he strangled me in front of the kids last night", URGENT, ("domestic_abuse",)),
    ("he pinned me down and I couldn't breathe", URGENT, ("domestic_abuse",)),
    (
        "she headbutted me and broke my nose, I told the hospital I walked into a door",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he says he'll burn the house down with me in it if I leave", URGENT, ("domestic_abuse",)),
    (
        "he won't let me have my own bank account and checks every receipt",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("I have to send him a photo of where I am whenever I go out", CONCERN, ("domestic_abuse",)),
    (
        "my partner has stopped me seeing my sister since the baby came",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he reads the messages on my phone every night and deletes anyone he doesn't like",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he's locked me in the house before when he goes out", URGENT, ("domestic_abuse",)),
    (
        "I'm on my own with the kids and I've had the best part of two bottles of wine",
        URGENT,
        ("substance_misuse",),
    ),
    ("I'm scared I'm an alcoholic, I can't stop once I start", CONCERN, ("substance_misuse",)),
    ("I've been taking extra tramadol just to get through the day", CONCERN, ("substance_misuse",)),
    (
        "been buying codeine online because the GP won't prescribe more",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I'm drunk and I'm holding the baby and I feel really dizzy", URGENT, ("substance_misuse",)),
    (
        "he's downstairs screaming that he'll kill me, I'm hiding in the bedroom with the baby",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "I've just cut myself really badly and there's blood everywhere",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    ("I've taken twenty co-codamol and a bottle of wine", URGENT, ("immediate_danger", "suicide")),
    ("I'm on the railway bridge, please don't tell anyone", URGENT, ("immediate_danger",)),
    ("My baby is limp and won't wake up", URGENT, ("immediate_danger",)),
    (
        "He's just turned up drunk and is kicking the door in",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "I'm not going to be here much longer, thank you for everything",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    ("I feel like a burden and everyone would be happier if I was gone", CONCERN, ("suicide",)),
    ("I wish I'd never had her, and I wish I wasn't alive", URGENT, ("suicide",)),
    ("suicidal again. same as after my first. didn't think it'd come back", URGENT, ("suicide",)),
    ("I've been hiding my self harm from the health visitor", URGENT, ("self_harm",)),
    (
        "my head is so loud, the thoughts won't slow down and I haven't slept in 3 nights",
        CONCERN,
        ("psychosis",),
    ),
    (
        "I keep getting thoughts of hurting myself but I'd never act on them",
        CONCERN,
        ("self_harm",),
    ),
    (
        "DH hit me last night. First time. He says it won't happen again",
        URGENT,
        ("domestic_abuse",),
    ),
    (
        "my boyfriend says I'm worthless and nobody would believe me if I told them",
        CONCERN,
        ("domestic_abuse",),
    ),
]

_THIRD_BATCH: list[EvalItem] = [
    # Written as a held-out check after the second round of rules (unseen: 26 of 41 urgent and 0 of
    # 39 benign flagged). Its misses exposed more families of phrasing and two bugs; after those
    # fixes it joined the development data. HELDOUT_SET below is the check that was not tuned on.
    ("my partner took the baby out so I could have a bath, felt like a spa day", NONE, ()),
    ("I'm so done with people telling me to enjoy every moment", NONE, ()),
    ("teething again, I'm losing the will to live lol", NONE, ()),
    ("went back to work today and cried in the loos, but it was ok in the end", NONE, ()),
    ("he's cluster feeding and I'm stuck on the sofa, send snacks", NONE, ()),
    (
        "the health visitor asked about my mood and I was honest that it's been rough, she's "
        "referring me to the perinatal team",
        NONE,
        (),
    ),
    ("I've been feeling a lot better since starting counselling", NONE, ()),
    ("my wife is doing all the night feeds this week so I can sleep before my exams", NONE, ()),
    ("she headbutted my nose at 5am, I genuinely saw stars", NONE, ()),
    ("the dog keeps following me around the house since the baby came, bless him", NONE, ()),
    ("Does anyone know a good sling library in Leeds?", NONE, ()),
    ("I'm a bit scared of driving with the baby in the car, I keep checking the mirror", NONE, ()),
    ("my son keeps hitting me when he's tired, he's 2, is that normal?", NONE, ()),
    ("we're moving house next week, the stress is killing me", NONE, ()),
    ("I'm not sleeping much but I'm not hearing or seeing anything weird, just tired", NONE, ()),
    ("I had a drink at my sister's wedding, first one in ages, and felt guilty", NONE, ()),
    ("honestly I could sleep for a week", NONE, ()),
    ("I love him so much it hurts", NONE, ()),
    ("my husband says I'm doing brilliantly, he's been so supportive", NONE, ()),
    ("did anyone else get the baby blues really badly around day 5?", NONE, ()),
    ("he's finally asleep and I'm just staring at him, can't believe he's mine", NONE, ()),
    ("our baby is so chilled, my mum says she's an angel sent from heaven", NONE, ()),
    (
        "I took the baby to A&E because he was floppy with a temperature, he's fine now, just"
        " a virus",
        NONE,
        (),
    ),
    ("I finished a whole bottle of gaviscon this week, the heartburn is unreal", NONE, ()),
    ("the baby pulled my hair so hard I screamed", NONE, ()),
    ("I'm worried I'm not producing enough milk", NONE, ()),
    ("We're not in any danger, he's just useless with money lol", NONE, ()),
    (
        "my partner is away and I'm on my own with the baby for the first time, wish me luck",
        NONE,
        (),
    ),
    ("had a glass of wine with dinner while my husband did bath time", NONE, ()),
    ("I'd rather die than go to another baby massage class 😂", NONE, ()),
    ("I was so angry I threw my phone across the room, then cried", NONE, ()),
    ("anyone else feel like they're just going through the motions?", NONE, ()),
    ("I think I hit a wall today, just exhausted", NONE, ()),
    ("The midwife was brilliant, she asked if I feel safe and I said absolutely", NONE, ()),
    ("the TV is the only thing keeping me sane at 3am feeds", NONE, ()),
    ("I feel like I'm being watched when I breastfeed in public", NONE, ()),
    ("my mum keeps saying the baby is an angel, she's obsessed", NONE, ()),
    ("just found out I'm pregnant again and I'm terrified", NONE, ()),
    ("my husband works away and I'm counting down the days", NONE, ()),
    (
        "I used to self harm years ago but I've been fine for a long time, just wanted to say"
        " the group helps",
        CONCERN,
        ("self_harm",),
    ),
    (
        "I keep thinking everyone would be better off if I just disappeared for good",
        CONCERN,
        ("suicide",),
    ),
    ("I've started giving my things away to my sister", URGENT, ("suicide",)),
    ("I'm tired of living", URGENT, ("suicide",)),
    ("I looked up how many of my antidepressants it would take", URGENT, ("suicide",)),
    ("I've written my goodbye letter", URGENT, ("suicide",)),
    ("I don't want to be alive when he goes back to work", URGENT, ("suicide",)),
    ("i wanna go to sleep and never wake up", CONCERN, ("suicide",)),
    ("I'm thinking of jumping off the bridge on the way home", URGENT, ("suicide",)),
    ("I'm not going to be around for much longer", URGENT, ("immediate_danger", "suicide")),
    ("I've got 40 paracetamol in front of me", URGENT, ("immediate_danger", "suicide")),
    ("i want 2 kms tbh", URGENT, ("suicide",)),
    ("I feel like ending it, honestly", URGENT, ("suicide",)),
    (
        "I hate myself so much, I've started cutting my legs where no one can see",
        URGENT,
        ("self_harm",),
    ),
    ("burnt my wrist on purpose with the iron", URGENT, ("self_harm",)),
    ("I keep wanting to punch myself in the face", URGENT, ("self_harm",)),
    ("I've been scratching myself raw at night", URGENT, ("self_harm",)),
    (
        "I have these horrible images of the baby falling down the stairs because of me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I'm scared I'll throw her when she won't stop screaming, I've had to put her in the "
        "cot and leave the room",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I get thoughts of stabbing my baby and I'm so ashamed, I'd never do it",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I smothered her with a blanket for a few seconds to stop the crying",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I'm going to shake him so hard if he wakes up again", URGENT, ("harm_to_baby",)),
    ("I slapped my baby today and I feel sick", URGENT, ("harm_to_baby",)),
    ("I've been hearing the baby's voice telling me to do things", URGENT, ("psychosis",)),
    ("I'm being followed everywhere I go, they're after me and the baby", URGENT, ("psychosis",)),
    ("I haven't slept in 5 days and I don't even feel tired", URGENT, ("psychosis",)),
    ("the baby is evil, I can see it in his eyes", URGENT, ("psychosis",)),
    (
        "my girlfriend says the hospital swapped our baby and she won't hold him",
        URGENT,
        ("psychosis",),
    ),
    ("I feel like I can read everyone's thoughts", URGENT, ("psychosis",)),
    ("I'm on a mission from God to protect my son", URGENT, ("psychosis",)),
    (
        "my partner has been talking nonstop for two days and not sleeping and says she's "
        "never felt better",
        URGENT,
        ("psychosis",),
    ),
    ("my thoughts keep racing and I can't sleep even when the baby does", CONCERN, ("psychosis",)),
    ("he punched me in the face on Saturday", URGENT, ("domestic_abuse",)),
    ("she choked me and I blacked out", URGENT, ("domestic_abuse",)),
    ("my husband tried to strangle me", URGENT, ("domestic_abuse",)),
    ("he threatened to kill the baby if I call the police", URGENT, ("domestic_abuse",)),
    (
        "he checks my location every hour and gets angry if I don't answer",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he keeps my bank card and gives me twenty quid a week", CONCERN, ("domestic_abuse",)),
    (
        "my partner won't let me go to my health visitor appointments alone",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he calls me a useless mother in front of the kids", CONCERN, ("domestic_abuse",)),
    ("I'm terrified of him when he drinks", CONCERN, ("domestic_abuse",)),
    ("he raped me after the birth", URGENT, ("domestic_abuse",)),
    (
        "I'm hiding in the bathroom with the kids, he's smashing the house up",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("he's outside with a knife", URGENT, ("domestic_abuse", "immediate_danger")),
    ("I've swallowed all my sertraline", URGENT, ("immediate_danger", "suicide")),
    ("I'm standing on the edge of the cliff", URGENT, ("immediate_danger",)),
    ("my newborn isn't breathing, what do I do", URGENT, ("immediate_danger",)),
    ("I've done it, I took everything in the cupboard", URGENT, ("immediate_danger", "suicide")),
    ("I'm drinking every night to cope and hiding the bottles", CONCERN, ("substance_misuse",)),
    (
        "I smoke weed to get to sleep and I'm worried it's getting out of hand",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I'm addicted to my sleeping tablets", CONCERN, ("substance_misuse",)),
    ("been doing lines at the weekend to feel normal", CONCERN, ("substance_misuse",)),
    (
        "I'm absolutely wasted and the baby won't settle and my husband is at work",
        URGENT,
        ("substance_misuse",),
    ),
    ("I fell asleep drunk on the sofa with the baby on me", URGENT, ("substance_misuse",)),
    ("I need a drink before I can face the day", CONCERN, ("substance_misuse",)),
    ("as a dad I don't feel I can tell anyone I'm having suicidal thoughts", URGENT, ("suicide",)),
    ("My wife hit me with a bottle, I don't know who to talk to", URGENT, ("domestic_abuse",)),
    ("I'm going to end my life", URGENT, ("suicide",)),
]

_FOURTH_BATCH: list[EvalItem] = [
    # A second held-out check (unseen: 20 of 33 urgent and 0 of 31 benign flagged, close to the
    # third batch, so ~60% is the honest recall on new phrasing). It found a real bug (the past
    # guard read "when I was 7 months pregnant" as childhood) and more phrasing families; after
    # those fixes it joined the development data.
    ("I'm literally dead, she was up at 2, 3, 4 and 5", NONE, ()),
    ("my husband is so good with her, I'm honestly jealous", NONE, ()),
    ("anyone know if Calpol is ok at 8 weeks? she's got a temp after her jabs", NONE, ()),
    (
        "I felt so low on Tuesday I just sat in the car and cried, but I called my HV and "
        "she's coming Friday",
        NONE,
        (),
    ),
    ("this is killing me, when does the 4 month regression end?!", NONE, ()),
    ("my mom is flying in from Ohio to help, thank god", NONE, ()),
    ("he's such a little fighter after everything in NICU", NONE, ()),
    ("the knife drawer is now locked, he can open everything", NONE, ()),
    ("finally got out for a walk, fresh air does wonders", NONE, ()),
    ("I feel like a terrible mum because I yelled at my toddler", NONE, ()),
    ("I'm addicted to this group honestly, you lot keep me going", NONE, ()),
    ("I dropped a whole bottle of expressed milk and sobbed", NONE, ()),
    ("does anyone else's partner snore so loud it wakes the baby? I could kill him", NONE, ()),
    ("I'm not suicidal or anything, I'm just so flat", NONE, ()),
    ("my therapist asked if I'd ever hurt myself, and I haven't, but it was a good chat", NONE, ()),
    ("dying to know how other dads manage the night shift", NONE, ()),
    ("we had a scare when she choked on a bit of banana but she's fine", NONE, ()),
    ("he hasn't slept for more than 2 hours at a time in weeks and I'm shattered", NONE, ()),
    ("My OB said to call if I ever feel like harming myself, which was reassuring", NONE, ()),
    ("our little one was born sleeping last year and this baby feels like a miracle", NONE, ()),
    ("it's wine o'clock somewhere, right? (it's 10am and I'm having a tea)", NONE, ()),
    ("I lost it at my husband today and screamed at him, feel awful", NONE, ()),
    ("my hormones are all over the place, cried at a car advert", NONE, ()),
    ("I keep getting these little flashes of panic when he's out of sight", NONE, ()),
    ("I'm scared I'm a bad mum", NONE, ()),
    ("the baby gate nearly killed me again this morning", NONE, ()),
    ("she's teething and chewing everything, even my finger, little shark", NONE, ()),
    ("I love my wife but I'm struggling since the birth and don't know who to talk to", NONE, ()),
    ("Honestly kill me, he's just weed on the clean washing", NONE, ()),
    ("is it weird that I miss being pregnant?", NONE, ()),
    ("I'm drowning in baby clothes from the in-laws", NONE, ()),
    ("I can't see a way out of this other than ending my life", URGENT, ("suicide",)),
    ("honestly I'd be better off dead", URGENT, ("suicide",)),
    ("been planning how to do it for a week", URGENT, ("suicide",)),
    ("I've bought a rope", URGENT, ("immediate_danger", "suicide")),
    ("i dont wanna be here no more", URGENT, ("suicide",)),
    ("Wish I could just not exist for a while", CONCERN, ("suicide",)),
    ("my kids would be better off with someone else as their mum", CONCERN, ("suicide",)),
    ("I'm going to walk into the sea", URGENT, ("suicide",)),
    ("su1c1dal af rn", URGENT, ("suicide",)),
    ("thinking about unaliving myself again", URGENT, ("suicide",)),
    ("I carved into my thigh last night", URGENT, ("self_harm",)),
    ("I keep picking at my skin until it bleeds, it's the only relief", CONCERN, ("self_harm",)),
    ("haven't self harmed in 3 months but tonight I really want to", URGENT, ("self_harm",)),
    ("I've been hitting my head on the wall when the baby won't stop", URGENT, ("self_harm",)),
    (
        "I keep imagining drowning him in the bath and I can't stop crying",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("sometimes I worry I'll snap and hurt the baby, is that normal?", CONCERN, ("harm_to_baby",)),
    (
        "I get really vivid pictures of her getting hurt and it's always my fault",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I hit the baby. I didn't mean to, I just lost it", URGENT, ("harm_to_baby",)),
    (
        "I'm going to leave her outside in the cold if she doesn't shut up",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I wanted to throw him against the wall tonight and that scared me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "The voices are telling me the baby would be better off in heaven",
        URGENT,
        ("harm_to_baby", "psychosis"),
    ),
    (
        "I haven't slept in 4 days, I've got so much energy and so many plans",
        URGENT,
        ("psychosis",),
    ),
    ("everyone on the TV knows what I'm thinking", URGENT, ("psychosis",)),
    ("I know the nurses switched my baby, this isn't her", URGENT, ("psychosis",)),
    (
        "my wife keeps saying she's been chosen and hasn't slept since the birth",
        URGENT,
        ("psychosis",),
    ),
    ("I feel like I'm not real and everything is a simulation", CONCERN, ("psychosis",)),
    ("i can see shadows in the corner watching me and the baby", URGENT, ("psychosis",)),
    ("he choked me until I passed out", URGENT, ("domestic_abuse",)),
    ("he kicked me in the stomach when I was 7 months pregnant", URGENT, ("domestic_abuse",)),
    ("she hits me and tells me no one will believe a man", URGENT, ("domestic_abuse",)),
    ("he said next time he'd kill me", URGENT, ("domestic_abuse",)),
    ("he won't let me see my mum and he has all my passwords", CONCERN, ("domestic_abuse",)),
    ("I have to ask permission to leave the house", CONCERN, ("domestic_abuse",)),
    ("he controls everything, what I wear, who I see, what I spend", CONCERN, ("domestic_abuse",)),
    ("my partner tracks my phone and turns up wherever I am", CONCERN, ("domestic_abuse",)),
    ("he gets angry and throws things at me", URGENT, ("domestic_abuse",)),
    (
        "he's drunk and banging on the door, I'm scared",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("please help he's got a knife", URGENT, ("domestic_abuse", "immediate_danger")),
    ("I've taken 30 tablets", URGENT, ("immediate_danger", "suicide")),
    ("I'm sitting on the railway line", URGENT, ("immediate_danger",)),
    ("I cut my wrist and it won't stop bleeding", URGENT, ("immediate_danger", "self_harm")),
    ("the baby has stopped breathing", URGENT, ("immediate_danger",)),
    ("I'm drinking from when I wake up", CONCERN, ("substance_misuse",)),
    ("I'm hooked on the codeine from my section", CONCERN, ("substance_misuse",)),
    ("I've been using coke to stay awake for the night feeds", CONCERN, ("substance_misuse",)),
    (
        "I'm too drunk to look after him and my partner won't be home till late",
        URGENT,
        ("substance_misuse",),
    ),
    ("got high with the baby in the next room", URGENT, ("substance_misuse",)),
    ("I'm stoned and on my own with the twins", URGENT, ("substance_misuse",)),
    ("I drink a bottle of wine every night and I can't stop", CONCERN, ("substance_misuse",)),
]

_FIRST_HELDOUT: list[EvalItem] = [
    # The check that was NOT tuned on: written and labelled after the rules of the fourth round
    # were frozen. Unseen, it scored 16 of 22 urgent, 10 of 14 concern flagged, 0 of 24 benign
    # flagged. One fix followed (base-form verbs such as "burn" were missing from the self-harm
    # list: an omission, not phrasing), taking urgent to 17 of 22. Keep it out of the tuning loop:
    # when it is folded in, write a new one. bench/risk_eval.py reports it separately.
    # Fifth round: its misses were studied and it was tuned on, so it joined EVAL_SET; it is still
    # exported as HELDOUT_SET so that bench/risk_eval.py can show its figures before and after.
    ("honestly the baby's screaming is doing my head in today", NONE, ()),
    ("I'd murder a bacon sandwich right now", NONE, ()),
    ("my partner's mum is staying and she's watching everything I do, it's exhausting", NONE, ()),
    ("I'm so tired I could die lol", NONE, ()),
    ("he slept 6 hours straight!! I feel like a new person", NONE, ()),
    ("I'm on sertraline and it's really helping, no more dark days", NONE, ()),
    ("does anyone else's baby headbutt them constantly? my nose is broken lol", NONE, ()),
    ("my GP asked whether I'd had any suicidal thoughts and I told her honestly no", NONE, ()),
    ("Dads, how did you cope when your partner had PND?", NONE, ()),
    ("baby's got a cold and I'm paranoid about her breathing", NONE, ()),
    ("just had the best cuddle, my heart could burst", NONE, ()),
    ("I hate this stage, she screams if I put her down for a second", NONE, ()),
    ("My husband threw a fit because I forgot to buy milk, lol he's such a drama queen", NONE, ()),
    ("we had a baby shower and everyone gave us way too many clothes", NONE, ()),
    ("I used to drink a lot before I got pregnant but I've stopped completely", NONE, ()),
    ("nothing can prepare you for how much you love them", NONE, ()),
    ("I'm on my own with the baby tonight and I've got a glass of wine on the go", NONE, ()),
    ("she's a little devil at bedtime", NONE, ()),
    (
        "the voices of other mums at baby group are so loud I had to leave, sensory overload",
        NONE,
        (),
    ),
    ("my little boy is obsessed with the washing machine, watches it for ages", NONE, ()),
    ("my wife says I'm useless at nappies, she's not wrong 😂", NONE, ()),
    ("can anyone recommend a good counsellor in Bristol?", NONE, ()),
    ("my sister keeps texting to check I'm ok, bless her", NONE, ()),
    ("the monitor picked up a weird noise and I nearly had a heart attack", NONE, ()),
    ("I just want to die, I'm so tired of everything", URGENT, ("suicide",)),
    ("I keep thinking my baby deserves a better mum and I should just go", CONCERN, ("suicide",)),
    (
        "I've been looking at the railway line on my walks and thinking about it",
        URGENT,
        ("suicide",),
    ),
    ("I can't do this anymore, I've got the pills ready", URGENT, ("immediate_danger", "suicide")),
    ("nobody would miss me if I wasn't here", CONCERN, ("suicide",)),
    ("Sometimes I think my family would be better off without me", CONCERN, ("suicide",)),
    ("im gonna k1ll mys3lf", URGENT, ("suicide",)),
    ("I'm thinking of taking my own life", URGENT, ("suicide",)),
    ("I relapsed last night and cut my arms", URGENT, ("self_harm",)),
    ("I burn myself with cigarettes when it gets too much", URGENT, ("self_harm",)),
    ("the urge to hurt myself is really strong today", CONCERN, ("self_harm",)),
    ("I used to cut when I was at uni and the feelings are coming back", CONCERN, ("self_harm",)),
    (
        "I had a horrible thought about smothering him while he slept and I'm shaking",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I'm scared to bath her because I keep imagining her drowning", CONCERN, ("harm_to_baby",)),
    ("I want to hurt the baby and I don't know why", URGENT, ("harm_to_baby",)),
    ("I squeezed her too hard on purpose and she screamed", URGENT, ("harm_to_baby",)),
    ("I've been hearing voices telling me to hurt myself", URGENT, ("psychosis", "self_harm")),
    (
        "I haven't slept for three nights and I feel amazing, I don't need sleep",
        URGENT,
        ("psychosis",),
    ),
    ("I think the government is listening through my phone", URGENT, ("psychosis",)),
    ("the baby isn't my baby, they've replaced him", URGENT, ("psychosis",)),
    ("my partner says she can hear the devil in the baby monitor", URGENT, ("psychosis",)),
    ("I feel like I have special powers since the birth", URGENT, ("psychosis",)),
    ("he slammed my head into the door", URGENT, ("domestic_abuse",)),
    ("my husband punched me while I was holding our son", URGENT, ("domestic_abuse",)),
    ("he threatens to take the kids if I leave", CONCERN, ("domestic_abuse",)),
    ("he won't let me out of the house without him", CONCERN, ("domestic_abuse",)),
    ("she goes through my phone and screams at me if I text anyone", CONCERN, ("domestic_abuse",)),
    ("I'm scared of my boyfriend", CONCERN, ("domestic_abuse",)),
    (
        "he's coming back tonight and he said he'd finish me",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("I've taken all my antidepressants, I'm sorry", URGENT, ("immediate_danger", "suicide")),
    ("I'm at the top of the multi storey", URGENT, ("immediate_danger",)),
    ("my baby's gone blue and floppy", URGENT, ("immediate_danger",)),
    ("I'm drinking vodka in the mornings now just to function", CONCERN, ("substance_misuse",)),
    (
        "I can't stop taking the tramadol, I'm taking way more than I should",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I'm off my face and the baby is screaming", URGENT, ("substance_misuse",)),
    ("I'm doing coke most weekends to cope", CONCERN, ("substance_misuse",)),
]

_SECOND_HELDOUT: list[EvalItem] = [
    # Written and labelled before the fifth round of rule changes and measured on the old rules.
    # Its misses were read then, and most of them informed the fifth round's rules, so it joined
    # EVAL_SET; it is still exported as HELDOUT_SET_2 so that its figures can be shown.
    # --- benign: exhausted-parent idioms ---
    ("this sleep regression is literally killing me, 5 wake ups last night", NONE, ()),
    ("I could murder a Greggs sausage roll", NONE, ()),
    ("I'm dying to get back into my pre-pregnancy jeans lol", NONE, ()),
    ("my nipples are killing me, is it the latch?", NONE, ()),
    ("I'd kill for a lie-in, even just till 7", NONE, ()),
    ("if she wakes up one more time I swear I'll scream into a pillow", NONE, ()),
    ("the school run with a newborn is going to be the end of me", NONE, ()),
    ("I'm so tired I could literally die 😂", NONE, ()),
    ("he threw up on me 3 times today, I give up lol", NONE, ()),
    ("my husband is a dead man if he wakes her up again 😂", NONE, ()),
    ("dying of cuteness, she smiled for the first time today", NONE, ()),
    ("this baby is going to be the death of my back", NONE, ()),
    ("nearly had a heart attack when she rolled over on her own", NONE, ()),
    ("cluster feeding is murder on my back", NONE, ()),
    ("I'm so done with today, bring on bedtime", NONE, ()),
    ("I'm hanging today, 40 minutes of sleep", NONE, ()),
    ("we're drowning in bottles and sterilisers", NONE, ()),
    ("I could happily strangle whoever designed these nappy bins lol", NONE, ()),
    ("the in-laws are doing my head in, they want to visit every day", NONE, ()),
    ("my other half has man flu and is acting like he's dying", NONE, ()),
    ("ready to throw the breast pump out the window", NONE, ()),
    ("I'm going to lose my mind if I hear Baby Shark one more time", NONE, ()),
    ("my partner hit the roof when he saw the credit card bill, fair enough tbh", NONE, ()),
    ("the baby punched me in the eye while feeding, she's got a mean right hook", NONE, ()),
    ("I'm addicted to buying baby clothes, send help", NONE, ()),
    ("we're all high on life this week, she slept through twice!", NONE, ()),
    ("he's cutting his first tooth and we're all suffering", NONE, ()),
    # --- benign: negations ---
    ("I'm not having any thoughts of suicide, I just feel really flat and teary", NONE, ()),
    (
        "just to be clear, my husband has never laid a hand on me, he's just stressed at work",
        NONE,
        (),
    ),
    ("no I've never hurt myself, I just cry a lot", NONE, ()),
    ("I'm not hearing or seeing anything weird, just exhausted", NONE, ()),
    ("I don't drink or take anything, I'm just so tired all the time", NONE, ()),
    ("I'd never harm my son, I just feel so disconnected from him", NONE, ()),
    ("not suicidal, promise, just needed to get it off my chest x", NONE, ()),
    ("I don't feel unsafe at home, we just argue about who does what", NONE, ()),
    # --- benign: reported speech, mentions, third parties ---
    (
        "the midwife asked if he'd ever hurt me, and honestly he's the gentlest man I know",
        NONE,
        (),
    ),
    ("my GP asked about suicidal thoughts and I told her I've not had any", NONE, ()),
    ("read a thread on here about postpartum psychosis and it was really eye-opening", NONE, ()),
    (
        "anyone else find the Edinburgh questionnaire question about harming yourself a bit "
        "jarring?",
        NONE,
        (),
    ),
    ("my friend's husband used to hit her and she got out, so proud of her", NONE, ()),
    ("my sister had PP psychosis after her second and the crisis team were amazing", NONE, ()),
    # --- benign: American spelling and words, dads, everyday talk with alarming words ---
    ("my mom said I should just let him cry it out, I can't do it", NONE, ()),
    ("anyone else's pediatrician push formula? ours did at the 2 week visit", NONE, ()),
    ("our diaper budget is out of control lol, this kid pees constantly", NONE, ()),
    ("our daycare called because he bit another kid, mortified", NONE, ()),
    ("dad of one here, first week back at work and I miss her like mad", NONE, ()),
    ("my wife's been amazing with the night feeds, I feel useless but grateful", NONE, ()),
    ("as a dad I never know what to say in these groups but reading helps", NONE, ()),
    ("dad here, I keep checking she's breathing at night, is that normal?", NONE, ()),
    ("she fell off the bed this morning, she's fine but I felt awful all day", NONE, ()),
    (
        "bought a new knife block with a lid now he's pulling himself up on everything",
        NONE,
        (),
    ),
    ("he's got a chest infection and I'm up every hour checking his breathing", NONE, ()),
    ("just poured my first glass of wine in nine months, cheers ladies 🥂", NONE, ()),
    ("I took two paracetamol for my headache and it's finally easing", NONE, ()),
    ("the voices on the baby monitor turned out to be the neighbour's radio again", NONE, ()),
    ("he's teething and bit my nipple so hard it bled", NONE, ()),
    (
        "I've been so low this week, had a good cry and then called my HV, feeling a bit better",
        NONE,
        (),
    ),
    ("haven't slept more than 3 hours in a row for weeks, is this normal at 4 months?", NONE, ()),
    ("my toddler keeps hitting the baby, how do I stop it?", NONE, ()),
    ("we had a huge row last night and I slept on the sofa, feel rubbish", NONE, ()),
    ("he's obsessed with the TV remote, grabs it every time", NONE, ()),
    ("baby brain is real, I put my phone in the fridge", NONE, ()),
    ("my mind's been racing about going back to work, lists everywhere", NONE, ()),
    ("I feel like I'm being watched by every mum at the school gate when he screams", NONE, ()),
    ("honestly don't know what I'd do without you lot, this group keeps me going", NONE, ()),
    ("finally had the 6 week check, GP said everything's healing nicely", NONE, ()),
    # --- suicide, urgent ---
    ("I've been saving up my sertraline for a few weeks now, just in case", URGENT, ("suicide",)),
    (
        "I keep looking at the bridge on the way to nursery and thinking how easy it would be "
        "to jump",
        URGENT,
        ("suicide",),
    ),
    (
        "honestly just want to go to sleep and never wake up, I've got enough tablets to make "
        "sure of it",
        URGENT,
        ("suicide",),
    ),
    ("i dont want 2 b here anymore", URGENT, ("suicide",)),
    (
        "My wife would be better off without me, I've written her a letter explaining everything",
        URGENT,
        ("suicide",),
    ),
    ("thinking bout ending it all tbh", URGENT, ("suicide",)),
    ("I've been giving my stuff away to friends, I won't need it soon", URGENT, ("suicide",)),
    ("I've googled how long it takes to die from an overdose", URGENT, ("suicide",)),
    ("there's no way out of this except killing myself", URGENT, ("suicide",)),
    ("I don't want to live anymore, I'm done", URGENT, ("suicide",)),
    ("I'm going to drive my car into a tree on the motorway", URGENT, ("suicide",)),
    ("I'd be doing everyone a favour if I just ended my life", URGENT, ("suicide",)),
    ("I keep thinking about the loft hatch and a rope", URGENT, ("suicide",)),
    ("honestly thinking of k!lling mys3lf", URGENT, ("suicide",)),
    ("i wanna b dead", URGENT, ("suicide",)),
    ("my partner told me she's been thinking about killing herself", URGENT, ("suicide",)),
    # --- suicide, concern ---
    ("I feel like a burden to everyone since the baby came", CONCERN, ("suicide",)),
    (
        "sometimes I wish I could just vanish and let someone better raise her",
        CONCERN,
        ("suicide",),
    ),
    ("I can't see things ever getting better, what's the point", CONCERN, ("suicide",)),
    ("dad here, I feel like my family would be happier if I wasn't around", CONCERN, ("suicide",)),
    ("I don't want to die exactly, I just don't want to exist for a bit", CONCERN, ("suicide",)),
    (
        "my HV asked if I'd thought about ending my life and I just went quiet",
        CONCERN,
        ("suicide",),
    ),
    (
        "what would happen to my baby if I wasn't here anymore? asking seriously",
        CONCERN,
        ("suicide",),
    ),
    (
        "is it normal to think about driving into a wall on the way to work?",
        CONCERN,
        ("suicide",),
    ),
    # --- self-harm, urgent ---
    ("I've been cutting my thighs where no one can see", URGENT, ("self_harm",)),
    ("burnt myself with the straighteners on purpose last night", URGENT, ("self_harm",)),
    ("I keep hitting myself in the face when the baby won't stop crying", URGENT, ("self_harm",)),
    ("i need to cut tonight, i cant stop thinking about it", URGENT, ("self_harm",)),
    ("relapsed, sh'd again after 2 years clean", URGENT, ("self_harm",)),
    ("I scratched my wrists with a razor until they bled", URGENT, ("self_harm",)),
    ("the GP asked if I'd self harmed recently and I had to admit I have", URGENT, ("self_harm",)),
    # --- self-harm, concern ---
    ("I've had the urge to cut again but I've been holding ice instead", CONCERN, ("self_harm",)),
    (
        "I used to self harm at uni and it's been on my mind a lot this week",
        CONCERN,
        ("self_harm",),
    ),
    (
        "I dig my nails into my palms until they bleed when I'm overwhelmed",
        CONCERN,
        ("self_harm",),
    ),
    ("I've been banging my fists on the wall when it all gets too much", CONCERN, ("self_harm",)),
    ("cant stop thinkin bout sh", CONCERN, ("self_harm",)),
    # --- harm to the baby, urgent (intent or harm done) ---
    (
        "I shook him really hard today because he wouldn't stop, I'm scared I hurt him",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I feel like I'm actually going to hurt her, I'm not safe with her tonight",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I slapped my daughter today and I don't even feel sorry", URGENT, ("harm_to_baby",)),
    (
        "if she doesn't stop screaming I'm going to put a pillow over her face",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I held the baby under the water in the bath for a second, I don't know why",
        URGENT,
        ("harm_to_baby",),
    ),
    # --- harm to the baby, concern (intrusive thoughts) ---
    (
        "I keep getting these flashes of the pram rolling into the road and me letting go",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I get awful thoughts about stabbing her when I'm chopping veg, so my husband does the "
        "cooking",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I'm so scared I'll drop him down the stairs that I shuffle down on my bum with him",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "does anyone else get intrusive thoughts about hurting their baby? I love him so much "
        "and it terrifies me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "dad here, I keep getting a picture in my head of throwing her when she screams, I'd "
        "never do it but it scares me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I won't bath her on my own any more because of the thoughts I get",
        CONCERN,
        ("harm_to_baby",),
    ),
    # --- psychosis, urgent ---
    ("the government is putting messages in the adverts for me", URGENT, ("psychosis",)),
    (
        "I haven't slept since Sunday and I've never felt better, I've got so many ideas",
        URGENT,
        ("psychosis",),
    ),
    ("I can hear the baby talking to me at night, telling me things", URGENT, ("psychosis",)),
    ("I know my baby has been swapped, he smells different", URGENT, ("psychosis",)),
    (
        "my wife thinks the neighbours have put cameras in the smoke alarm to watch her",
        URGENT,
        ("psychosis",),
    ),
    (
        "God spoke to me last night and told me my son is here to save everyone",
        URGENT,
        ("psychosis",),
    ),
    ("my phone is listening to me and reporting back to them", URGENT, ("psychosis",)),
    (
        "my girlfriend's convinced the baby is evil and keeps saying she needs to get the devil "
        "out of her",
        URGENT,
        ("psychosis",),
    ),
    (
        "I'm seeing faces in the walls, my partner says there's nothing there",
        URGENT,
        ("psychosis",),
    ),
    ("my husband says he hears voices telling him he's a bad dad", URGENT, ("psychosis",)),
    # --- psychosis, concern ---
    (
        "my mind won't switch off, thoughts going 100 miles an hour and I can't sleep",
        CONCERN,
        ("psychosis",),
    ),
    (
        "I feel really strange, like everything is fake and I'm watching myself from outside",
        CONCERN,
        ("psychosis",),
    ),
    (
        "my husband's been acting really odd since the birth, talking nonstop and hardly sleeping",
        CONCERN,
        ("psychosis",),
    ),
    (
        "I feel so hyper and buzzy, not like myself at all, is that normal after birth?",
        CONCERN,
        ("psychosis",),
    ),
    # --- domestic abuse, urgent ---
    ("he grabbed my neck and squeezed until I saw stars", URGENT, ("domestic_abuse",)),
    (
        "my boyfriend shoved me into the wardrobe while I was holding the baby",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he told me if I ever take the baby he'll kill me", URGENT, ("domestic_abuse",)),
    (
        "he kicked me in the belly when I was pregnant and he's started again",
        URGENT,
        ("domestic_abuse",),
    ),
    (
        "my wife punches me when she's angry, I'm a dad, I don't know who to tell",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he dragged me across the floor by my hair", URGENT, ("domestic_abuse",)),
    ("he threw a mug at my head last night", URGENT, ("domestic_abuse",)),
    (
        "he makes me have sex when I don't want to, even after the stitches",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he said he'd burn the house down with me in it", URGENT, ("domestic_abuse",)),
    # --- domestic abuse, concern (coercive control, emotional abuse, threats about the child) ---
    ("he has my bank card and gives me £20 a week for everything", CONCERN, ("domestic_abuse",)),
    (
        "my husband won't let me go to my mum's anymore unless he comes",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he reads all my texts and makes me share my location 24/7", CONCERN, ("domestic_abuse",)),
    (
        "he calls me a useless mother and a fat cow in front of the kids",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "I have to tell him everywhere I go and send him photos to prove it",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("she says if I leave I'll never see my daughter again", CONCERN, ("domestic_abuse",)),
    (
        "I'm always on edge waiting for him to come home, never know what mood he'll be in",
        CONCERN,
        ("domestic_abuse",),
    ),
    # --- immediate danger ---
    (
        "I've just swallowed a whole packet of co-codamol",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I'm on the edge of the bridge, I can't do this anymore",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "he's smashing the door in, me and the baby are locked in the bathroom",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("my baby's gone limp and isn't responding", URGENT, ("immediate_danger",)),
    (
        "he's downstairs with a knife saying he'll kill us",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "took all my pills an hour ago, feeling sleepy, sorry everyone",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I cut my wrist too deep and there's blood everywhere",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    (
        "this is goodbye, I love you all, look after my boys",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I can't do this anymore, I'm going to end it tonight when he's at work",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I'm scared to go back home tonight, he's been on the cans since lunch",
        CONCERN,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "not sure what he'll do when he gets in, he was raging on the phone",
        CONCERN,
        ("domestic_abuse", "immediate_danger"),
    ),
    # --- substance misuse ---
    (
        "I'm completely wasted and the baby's crying and my husband's away",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "took some of my mate's pills and now I'm really out of it with the baby",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "been drinking all afternoon, on my own with the twins till 10",
        URGENT,
        ("substance_misuse",),
    ),
    ("I smoked a joint and fell asleep with him on my chest", URGENT, ("substance_misuse",)),
    ("I'm getting through a bottle of gin most nights now", CONCERN, ("substance_misuse",)),
    (
        "I can't sleep without a couple of zopiclone and I'm buying them online now",
        CONCERN,
        ("substance_misuse",),
    ),
    ("wine is the only thing that gets me through bedtime", CONCERN, ("substance_misuse",)),
    (
        "I've started using again, only on weekends when she's at her dad's",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "dad here, I've been drinking a lot more since the baby, like every night",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I keep taking extra codeine, more than the box says", CONCERN, ("substance_misuse",)),
]

_FIFTH_BATCH: list[EvalItem] = [
    # Development data for the fifth round, written from the families of risk language (means
    # and intent, burden, violence verbs and body parts, threats, surveillance through devices,
    # commanded harm, use while in charge of the baby) with benign look-alikes for each. It was
    # written after HELDOUT_SET_2 was measured, and tuned on; see the module docstring.
    # --- benign look-alikes ---
    ("I'm at the end of my rope with this teething", NONE, ()),
    ("ready to jump for joy, she finally took a bottle!", NONE, ()),
    ("I'm going to finish it tonight, only 3 chapters left of my book", NONE, ()),
    ("my pills are ready in the hospital bag, just waiting for baby now", NONE, ()),
    ("I've got my tablets ready for the morning so I don't forget", NONE, ()),
    ("we walked along the railway line path to the park, she loved the trains", NONE, ()),
    ("the bridge over the canal was so pretty this morning, first walk with the pram", NONE, ()),
    ("I'm going to end it with my friend, she's been so judgemental about formula", NONE, ()),
    ("he said he'd finish the nursery this weekend, fingers crossed", NONE, ()),
    ("she threw her bottle at my head, little monkey", NONE, ()),
    ("my toddler slammed the door on my fingers, ouch", NONE, ()),
    ("DH is going to murder me when he sees the Amazon parcels", NONE, ()),
    ("the health visitor is coming to weigh her, I'm dying of nerves", NONE, ()),
    ("my whole body is killing me after the c-section", NONE, ()),
    ("I'm hanging on for dear life till nap time", NONE, ()),
    ("I slammed my finger in the car door, swearing like a sailor", NONE, ()),
    ("the dog pushed me over in the park, mud everywhere lol", NONE, ()),
    ("the baby grabbed my necklace and nearly choked me with it, she's so strong", NONE, ()),
    ("my husband pushed the pram the whole way round the park, bless him", NONE, ()),
    ("he makes me a cup of tea every morning before work, I'm lucky", NONE, ()),
    ("my mum keeps texting asking where I am, she worries", NONE, ()),
    ("we share locations on our phones so he knows I got home safe", NONE, ()),
    ("the government's new childcare hours are a joke, who can afford nursery", NONE, ()),
    ("our smart speaker plays white noise all night, total game changer", NONE, ()),
    ("the baby monitor camera is amazing, I can see her breathing", NONE, ()),
    (
        "I swear my phone is listening to me, I mentioned nappies and now it's all nappy ads",
        NONE,
        (),
    ),
    ("I feel like the universe is telling me to have a nap", NONE, ()),
    ("God knows how I got through last night", NONE, ()),
    ("my mum says I was sent from heaven, she's biased", NONE, ()),
    ("haven't slept in days because of the teething, I'm a zombie", NONE, ()),
    ("I feel amazing today, she slept 7 hours!", NONE, ()),
    ("had a couple of beers at the christening, my wife drove us home", NONE, ()),
    ("I'm on codeine for my section pain, taking it as prescribed", NONE, ()),
    ("I used to smoke weed at uni, seems like another life now", NONE, ()),
    ("GP gave me sleeping tablets for a week, first proper sleep in ages", NONE, ()),
    ("the midwife asked if I felt safe at home and I said yes, he's lovely", NONE, ()),
    (
        "the leaflet about postpartum psychosis said to watch for not sleeping, good to know",
        NONE,
        (),
    ),
    ("I watched a programme about suicide in new dads, really moving", NONE, ()),
    ("I'd never hurt myself or the baby, I'm just really, really tired", NONE, ()),
    ("no I'm not going to do anything silly, I just needed a rant", NONE, ()),
    ("my partner has never hit me, I want to make that clear, we just argue", NONE, ()),
    ("I'm not hearing voices, it's the extractor fan making weird noises", NONE, ()),
    ("I'm not drinking to cope, it's one glass on a Friday", NONE, ()),
    (
        "my husband's a firefighter and hasn't slept in 2 days after a big shift, he's wiped",
        NONE,
        (),
    ),
    ("honestly the baby is the boss of this house, she controls everything 😂", NONE, ()),
    ("he's got a knife and fork set now he's weaning, so grown up", NONE, ()),
    ("I'm so tired I could sleep for a hundred years and not wake up", NONE, ()),
    ("pretty sure my husband would be lost without me, he can't find the nappies", NONE, ()),
    ("my daughter fell down two stairs, she's fine but I was so scared", NONE, ()),
    ("he said he'll end it if I don't stop nagging, we're both so tired", NONE, ()),
    ("the baby's crying and my husband's away, so it's a takeaway night", NONE, ()),
    ("my son kicked my face during the nappy change, he's got some power", NONE, ()),
    # --- suicide ---
    (
        "I've got a box of paracetamol and a bottle of wine in front of me",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "the pills are sorted, I just need to pick a night",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    ("I've stockpiled enough paracetamol to do it properly", URGENT, ("suicide",)),
    ("found a good beam in the garage for the rope", URGENT, ("suicide",)),
    ("I keep thinking the bridge by the station would be quick", URGENT, ("suicide",)),
    ("I want to walk in front of the next train", URGENT, ("suicide",)),
    ("I could just step off the platform and it would all be over", URGENT, ("suicide",)),
    (
        "I want to go to sleep and not wake up, I've looked up how many tablets it'd take",
        URGENT,
        ("suicide",),
    ),
    ("I can't take any more of this, I'm going to finish it", URGENT, ("suicide",)),
    ("I've said goodbye to my sister, she doesn't know it was goodbye", URGENT, ("suicide",)),
    ("written notes for the kids and left them in my drawer", URGENT, ("suicide",)),
    ("I won't be a problem for anyone much longer", URGENT, ("suicide",)),
    (
        "everyone would be better off if I wasn't here, and I've worked out how",
        URGENT,
        ("suicide",),
    ),
    (
        "dad here, I've thought about crashing the car on the way home so it looks like an "
        "accident",
        URGENT,
        ("suicide",),
    ),
    ("i want 2 end my life", URGENT, ("suicide",)),
    ("im so done, kms fr", URGENT, ("suicide",)),
    ("wanna d1e", URGENT, ("suicide",)),
    ("been thinking of jumping off the multi storey", URGENT, ("suicide",)),
    ("my husband keeps saying he wants to die and I don't know what to do", URGENT, ("suicide",)),
    (
        "hypothetically, how many sertraline would it take to not wake up?",
        URGENT,
        ("suicide",),
    ),
    ("they'd all be better off without me dragging them down", CONCERN, ("suicide",)),
    ("I'm just a waste of space, my son deserves a better dad", CONCERN, ("suicide",)),
    ("I can't go on like this much longer", CONCERN, ("suicide",)),
    ("there's no light at the end of the tunnel for me", CONCERN, ("suicide",)),
    ("nothing is ever going to change, I'm stuck like this forever", CONCERN, ("suicide",)),
    ("sometimes I think it'd be easier if I just didn't wake up", CONCERN, ("suicide",)),
    ("I'd rather not wake up tomorrow", CONCERN, ("suicide",)),
    (
        "what do you do if you feel like your family would be better off without you?",
        CONCERN,
        ("suicide",),
    ),
    # --- self-harm ---
    ("I took a blade to my legs again last night", URGENT, ("self_harm",)),
    ("I slashed my arm with a razor", URGENT, ("self_harm",)),
    ("I've started hurting myself again, only where no one can see", URGENT, ("self_harm",)),
    ("I'm going to cut myself tonight", URGENT, ("self_harm",)),
    ("I keep punching my own legs till they bruise", URGENT, ("self_harm",)),
    ("I self-harmed for the first time in years", URGENT, ("self_harm",)),
    ("the voices tell me to cut myself", URGENT, ("psychosis", "self_harm")),
    (
        "the HV asked if I'd thought of harming myself and I said yes",
        CONCERN,
        ("self_harm",),
    ),
    ("I've got the urge to hurt myself but I'm sitting on my hands", CONCERN, ("self_harm",)),
    ("thinking about self harming again after 5 years", CONCERN, ("self_harm",)),
    ("I scratch at my skin when I'm anxious till it's raw", URGENT, ("self_harm",)),
    (
        "is it normal to want to hurt yourself after having a baby? asking for me",
        CONCERN,
        ("self_harm",),
    ),
    # --- harm to the baby ---
    ("I've started to hate her and I want to hit her", URGENT, ("harm_to_baby",)),
    ("I pushed a blanket over his face until he went quiet", URGENT, ("harm_to_baby",)),
    (
        "I'm going to smash his head against the wall if he doesn't stop",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I threw her on the sofa hard and she hit her head", URGENT, ("harm_to_baby",)),
    (
        "I shook him to make him stop and he went floppy for a second",
        URGENT,
        ("harm_to_baby", "immediate_danger"),
    ),
    ("I keep seeing myself dropping her off the balcony, it's awful", CONCERN, ("harm_to_baby",)),
    (
        "I get pictures in my head of the bath water and him going under",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I'm scared of being alone with the baby in case I do something",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "terrified I'm going to snap and throw him, so I put him down and walk away",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "dad here, horrible thoughts about hurting my daughter keep popping up, I'd never act on "
        "them",
        CONCERN,
        ("harm_to_baby",),
    ),
    # --- psychosis ---
    (
        "the Alexa is recording everything I say and sending it to social services",
        URGENT,
        ("psychosis",),
    ),
    ("there are hidden cameras in the light fittings watching me feed", URGENT, ("psychosis",)),
    ("MI5 are tapping my phone because of the baby", URGENT, ("psychosis",)),
    ("the numbers on the clock are messages meant for me", URGENT, ("psychosis",)),
    ("the news presenter was speaking directly to me", URGENT, ("psychosis",)),
    (
        "God told me the baby needs to be baptised in the river tonight",
        URGENT,
        ("psychosis",),
    ),
    (
        "I haven't slept in five days and I don't need to, I've never had so much energy",
        URGENT,
        ("psychosis",),
    ),
    ("my wife says the baby has been switched and won't feed him", URGENT, ("psychosis",)),
    ("there's a demon inside the baby, I can see it in her eyes", URGENT, ("psychosis",)),
    (
        "I keep hearing a man's voice in the baby monitor telling me things",
        URGENT,
        ("psychosis",),
    ),
    (
        "my partner says she's on a mission from God and hasn't slept since Friday",
        URGENT,
        ("psychosis",),
    ),
    ("my wife told me she's been hearing voices since the birth", URGENT, ("psychosis",)),
    ("my head is buzzing with ideas, I can't slow my thoughts down", CONCERN, ("psychosis",)),
    (
        "things don't feel real, it's like I'm watching my life through glass",
        CONCERN,
        ("psychosis",),
    ),
    (
        "my wife's been saying really strange things and laughing at nothing",
        CONCERN,
        ("psychosis",),
    ),
    # --- domestic abuse ---
    ("he smashed my face into the table", URGENT, ("domestic_abuse",)),
    ("he twisted my arm behind my back until it cracked", URGENT, ("domestic_abuse",)),
    ("he held a pillow over my face", URGENT, ("domestic_abuse",)),
    ("he stamped on my hand", URGENT, ("domestic_abuse",)),
    (
        "she threw a plate at my head, I'm a dad and I'm embarrassed to say it",
        URGENT,
        ("domestic_abuse",),
    ),
    ("his hands were round my neck and I couldn't breathe", URGENT, ("domestic_abuse",)),
    ("he says if I ever leave he'll find me and finish me off", URGENT, ("domestic_abuse",)),
    ("he said he'd put me in the ground", URGENT, ("domestic_abuse",)),
    ("my boyfriend rapes me when he's drunk", URGENT, ("domestic_abuse",)),
    ("he won't stop when I say no in bed", URGENT, ("domestic_abuse",)),
    (
        "he told me he'll make sure I never see the baby again",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he made me turn on location sharing so he always knows where I am",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he checks my bank app and questions every penny", CONCERN, ("domestic_abuse",)),
    ("I have to send him a picture of who I'm with", CONCERN, ("domestic_abuse",)),
    (
        "he says I'm a useless mum and no one would believe me anyway",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "my partner threatens to take the baby to his mum's and not bring her back",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he goes quiet for days and I dread him coming home", CONCERN, ("domestic_abuse",)),
    # --- immediate danger ---
    ("I've taken a whole box of sleeping tablets", URGENT, ("immediate_danger", "suicide")),
    ("swallowed 40 paracetamol about 20 mins ago", URGENT, ("immediate_danger", "suicide")),
    ("I'm standing at the edge of the cliff", URGENT, ("immediate_danger",)),
    (
        "he's kicking the door in and screaming he'll kill me",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "he's got a hammer and he's coming up the stairs",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("the baby's not breathing and her lips are blue", URGENT, ("immediate_danger",)),
    (
        "i've cut and it won't stop, there's so much blood",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    (
        "I won't be here in the morning, please don't hate me",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "he's back and he's saying he'll kill us both",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    # --- substance misuse ---
    ("I'm off my head on wine and the baby's asleep on me", URGENT, ("substance_misuse",)),
    (
        "had a few lines and I'm in charge of her till my husband's back",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "I'm so pissed I can barely stand and I've got the kids",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "I've been drinking since lunch and I'm looking after my son",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "took some of my valium and fell asleep with the baby in bed",
        URGENT,
        ("substance_misuse",),
    ),
    ("I can't get to sleep without half a bottle of wine", CONCERN, ("substance_misuse",)),
    ("I'm necking codeine like sweets", CONCERN, ("substance_misuse",)),
    ("weed is the only thing that keeps me calm with the kids", CONCERN, ("substance_misuse",)),
    ("I've been buying diazepam off a friend", CONCERN, ("substance_misuse",)),
    ("drinking most days now, usually starting at lunch", CONCERN, ("substance_misuse",)),
]

_FIFTH_BATCH_PROBES: list[EvalItem] = [
    # Probes written while tuning the fifth round (after the first pass): everyday sentences that
    # share the new families' words, and fresh risk phrasing from the same families. Tuned on.
    # Left out as genuinely ambiguous (the screen gives a concern): "I'd rather not wake up
    # tomorrow if the baby keeps this up", "I'm a waste of space today", "watching my life
    # through a window since the birth", "I dread him coming home because he'll see the mess".
    # Known misses kept as examples: "she scratched my face and pulled my hair out..." (is "she"
    # the baby?), and a partner drink-driving with the children.
    ("my phone is always listening, I swear, I only mentioned prams once", NONE, ()),
    ("we put a camera in the nursery so we can watch her sleep", NONE, ()),
    ("the baby monitor camera picks up everything, even the cat", NONE, ()),
    ("I was watching her through the monitor and she smiled in her sleep", NONE, ()),
    ("someone was watching us at the park and it felt a bit weird", NONE, ()),
    ("they were watching me feed at the cafe, I just carried on", NONE, ()),
    ("the neighbours can probably hear us through the walls when she screams", NONE, ()),
    ("my husband slammed the door when he left for work, in a mood again", NONE, ()),
    ("he cut my fringe and it's wonky lol", NONE, ()),
    ("he broke my favourite mug doing the washing up", NONE, ()),
    ("she bit my finger so hard, these teeth are sharp", NONE, ()),
    ("he grabbed my hand when the midwife said push", NONE, ()),
    ("my partner pushed me to go to the GP and I'm glad he did", NONE, ()),
    ("he threw a pillow at me to wake me for the night feed", NONE, ()),
    ("he threw the keys at me from across the room and I dropped them", NONE, ()),
    ("my wife said she'd kill me if I woke the baby", NONE, ()),
    ("he said he'd kill me if I bought another pram", NONE, ()),
    ("she said she'd murder me if I forgot the nappies again lol", NONE, ()),
    ("I'm going to finish it tonight, just the last episode left", NONE, ()),
    ("we walked over the bridge and I thought about how far we've come", NONE, ()),
    ("the train station bridge would be quicker than the bypass", NONE, ()),
    ("I keep thinking about the rope swing we had as kids", NONE, ()),
    (
        "I said goodbye to my mum at the station, she didn't know it was the last time before "
        "lockdown",
        NONE,
        (),
    ),
    ("I've written letters to my baby for when she's older", NONE, ()),
    ("I've got the pills ready for the hospital bag", NONE, ()),
    ("my tablets are lined up in the pill organiser for the week", NONE, ()),
    ("took 20 minutes to get her down", NONE, ()),
    ("I took loads of photos today, she was so smiley", NONE, ()),
    ("I've been drinking so much water since breastfeeding started", NONE, ()),
    ("wine is the only thing I miss from before pregnancy", NONE, ()),
    ("I can't sleep without white noise on", NONE, ()),
    ("my husband's away and the baby's crying so I'm going to get my mum round", NONE, ()),
    ("I can't get through the day without coffee", NONE, ()),
    ("I used to drink every night before I got pregnant", NONE, ()),
    ("I'm drinking more tea than ever these days", NONE, ()),
    ("nothing is ever going to change my mind about dummies", NONE, ()),
    ("I'm stuck like this forever with a baby on my boob lol", NONE, ()),
    ("what's the point of ironing baby clothes", NONE, ()),
    ("my son deserves a better dad than I had", NONE, ()),
    ("I should just go to bed", NONE, ()),
    ("she's drunk on milk and fast asleep on me", NONE, ()),
    ("the voices in my head are just lists and nursery rhymes", NONE, ()),
    ("I heard a man's voice outside and it was just the postman", NONE, ()),
    ("the numbers on the scale are a sign I need to stop eating biscuits", NONE, ()),
    ("God told me to have a nap, and I listened", NONE, ()),
    ("my daughter's a little devil, possessed by the teething demon lol", NONE, ()),
    ("it doesn't feel real that she's here", NONE, ()),
    ("everything doesn't feel real yet, it's all so new", NONE, ()),
    (
        "he's kicking the door of the nursery open with his foot because his hands are full",
        NONE,
        (),
    ),
    ("he's got a hammer and is putting up shelves in the nursery", NONE, ()),
    ("I'm standing at the edge of the platform waiting for my train, running late", NONE, ()),
    ("I'm on the edge of my seat waiting for the scan results", NONE, ()),
    ("I held her under the tap to rinse the shampoo out", NONE, ()),
    ("my partner made me turn on location sharing after I got lost driving home", NONE, ()),
    ("he always knows where I am because we share locations, I like it", NONE, ()),
    ("I have to send him a picture of the baby every hour at work, he misses her", NONE, ()),
    ("my husband checks our bank app every week to budget", NONE, ()),
    ("he says I'm a useless cook but I make great cake", NONE, ()),
    ("no one will believe me when I say she slept 8 hours", NONE, ()),
    ("I'm on edge waiting for him to get home because of the snow", NONE, ()),
    ("he says if I leave the baby with his mum he'll be lost without us", NONE, ()),
    ("if I leave now he'll be asleep before I get back", NONE, ()),
    ("she threatened to take the baby for a walk so I could nap, bless her", NONE, ()),
    ("my mum threatens to take the baby home with her every visit", NONE, ()),
    ("he won't stop when I say no more biscuits", NONE, ()),
    ("the baby's lips are blue from the blueberry puree", NONE, ()),
    ("her lips went blue in the cold bath so I got her out quick", NONE, ()),
    ("I cut my finger and there's so much blood, onion chopping fail", NONE, ()),
    ("I won't be here tomorrow, it's the baby's jabs", NONE, ()),
    ("I won't be a burden for much longer, my mum is coming to help", NONE, ()),
    ("I'm going to smash it at this baby group", NONE, ()),
    ("I want to strangle the dog, he woke her up again", NONE, ()),
    ("the voices told me to go to bed, aka my husband and my mum", NONE, ()),
    ("I've been putting tablets aside every week, there's quite a pile now", URGENT, ("suicide",)),
    ("I've counted out all my pills on the bed", URGENT, ("immediate_danger", "suicide")),
    (
        "there's a bottle of vodka and my sleeping pills on the table and I'm ready",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    ("I want to throw myself off something high", URGENT, ("suicide",)),
    ("planning to walk into the river after the baby's asleep", URGENT, ("suicide",)),
    ("I'm going to step in front of a lorry on the dual carriageway", URGENT, ("suicide",)),
    (
        "my family would honestly be better off without me, I've made my mind up",
        URGENT,
        ("suicide",),
    ),
    ("I've decided tonight is the night I end things", URGENT, ("immediate_danger", "suicide")),
    ("I just want to go to sleep forever", CONCERN, ("suicide",)),
    (
        "dad here, I keep thinking the kids would be better with me gone for good",
        CONCERN,
        ("suicide",),
    ),
    ("there's no point going on, everyone would cope without me", URGENT, ("suicide",)),
    ("everything is pointless, I can't see a future", CONCERN, ("suicide",)),
    ("I've written my goodbye letters", URGENT, ("suicide",)),
    ("he smashed my head against the wall", URGENT, ("domestic_abuse",)),
    ("he put his hands on my throat and squeezed till I blacked out", URGENT, ("domestic_abuse",)),
    ("he strangled me with his belt", URGENT, ("domestic_abuse",)),
    ("my boyfriend threw me down the stairs while I was pregnant", URGENT, ("domestic_abuse",)),
    ("he punches me where the bruises won't show", URGENT, ("domestic_abuse",)),
    ("he headbutted me and broke my nose", URGENT, ("domestic_abuse",)),
    (
        "she scratched my face and pulled my hair out, I'm a dad and I feel pathetic saying it",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he kicked me in the stomach when I was 6 months gone", URGENT, ("domestic_abuse",)),
    ("he said if I ever take his son he'll hunt me down and kill me", URGENT, ("domestic_abuse",)),
    ("he told me I'd end up in a ditch if I left", URGENT, ("domestic_abuse",)),
    ("he said next time he'll finish the job", URGENT, ("domestic_abuse",)),
    ("he said I won't see the baby ever again if I go to the police", CONCERN, ("domestic_abuse",)),
    ("the TV is talking about me and reading my thoughts", URGENT, ("psychosis",)),
    ("the radio is sending me signals about the baby", URGENT, ("psychosis",)),
    ("I think the microwave is recording me", URGENT, ("psychosis",)),
    ("the government has put a chip in my baby", URGENT, ("psychosis",)),
    ("strangers in the street know what I'm thinking", URGENT, ("psychosis",)),
    ("I can hear my dead nan talking to me at night", URGENT, ("psychosis",)),
    ("my son is not my son, he's been replaced by a robot", URGENT, ("psychosis",)),
    ("God wants me to sacrifice the baby", URGENT, ("harm_to_baby", "psychosis")),
    ("I haven't slept for a week and I've never felt more alive", URGENT, ("psychosis",)),
    ("I haven't needed to sleep in days, I've got a mission", URGENT, ("psychosis",)),
    ("my wife is convinced the baby is the devil and won't hold her", URGENT, ("psychosis",)),
    ("I'm going to shake her until she shuts up", URGENT, ("harm_to_baby",)),
    ("I want to throw him out of the window", URGENT, ("harm_to_baby",)),
    ("I smacked the baby really hard across the face", URGENT, ("harm_to_baby",)),
    (
        "I nearly suffocated her with a pillow tonight, I'm so scared of myself",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I keep imagining stabbing my daughter with the kitchen knife, it horrifies me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I get images of the car crashing with the baby in it and it being my fault",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I'm scared I'll drown him in the bath so my wife does bath time", CONCERN, ("harm_to_baby",)),
    ("i slit my wrist and theres blood everywhere", URGENT, ("immediate_danger", "self_harm")),
    ("I've taken 40 co-codamol and some wine", URGENT, ("immediate_danger", "suicide")),
    (
        "I've cut deep into my leg and I can't stop the bleeding",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    ("I burn my arms with a lighter every night", URGENT, ("self_harm",)),
    ("I've been stabbing my thigh with a compass", URGENT, ("self_harm",)),
    ("I punched myself in the face until my nose bled", URGENT, ("self_harm",)),
    ("I want to cut so bad right now", URGENT, ("self_harm",)),
    (
        "I'm drunk and the baby's asleep upstairs, nobody else is home",
        URGENT,
        ("substance_misuse",),
    ),
    ("had a bottle of wine and I'm meant to be feeding her", URGENT, ("substance_misuse",)),
    ("I'm high as a kite and I've got the baby", URGENT, ("substance_misuse",)),
    ("I'm using cocaine most weekends now", CONCERN, ("substance_misuse",)),
    ("I need a drink to get through every feed", CONCERN, ("substance_misuse",)),
    ("I'm smoking weed every day just to cope with the baby", CONCERN, ("substance_misuse",)),
    (
        "my partner's been drinking all day and now he's driving the kids home",
        URGENT,
        ("substance_misuse",),
    ),
    ("i wanna kms", URGENT, ("suicide",)),
    ("i feel s.u.i.c.i.d.a.l", URGENT, ("suicide",)),
    ("gonna end it 2nite", URGENT, ("immediate_danger", "suicide")),
    ("im gonna od", URGENT, ("suicide",)),
    ("ima jump", URGENT, ("immediate_danger", "suicide")),
    ("i dont wanna live no more", URGENT, ("suicide",)),
    ("I keep thinking about driving into oncoming traffic", URGENT, ("suicide",)),
    ("i've been stockpiling my meds", URGENT, ("suicide",)),
    ("I'm researching how to hang myself", URGENT, ("suicide",)),
    ("I don't see any way out except ending it", URGENT, ("suicide",)),
]

_THIRD_HELDOUT: list[EvalItem] = [
    # Written and labelled after the fifth round's first rules were frozen, and measured once (see
    # the module docstring); then its misses were tuned on and it joined EVAL_SET. It is still
    # exported as HELDOUT_SET_3 so that its figures can be shown.
    (
        "She's finally sleeping and I'm just sitting here staring at the wall, too tired to move",
        NONE,
        (),
    ),
    ("our health visitor said he's dropped a centile, feeling like a failure tbh", NONE, ()),
    ("I'd give my right arm for a shower that lasts more than 2 minutes", NONE, ()),
    ("my husband's snoring could wake the dead", NONE, ()),
    ("does anyone else's baby scream blue murder in the car?", NONE, ()),
    ("this heat is unbearable, the baby and I are both melting", NONE, ()),
    ("I feel like I'm losing my mind, I've lost my keys three times today", NONE, ()),
    ("I'm not suicidal or anything, I just feel so disconnected from everyone", NONE, ()),
    (
        "the GP asked if I'd ever had thoughts of harming the baby, I said no and she moved on",
        NONE,
        (),
    ),
    ("my mum keeps telling me I'm doing it all wrong, it's exhausting", NONE, ()),
    ("he's cutting teeth and biting everything, including me", NONE, ()),
    (
        "we had our first proper night out since she was born, I had two glasses of wine and was "
        "asleep by 10",
        NONE,
        (),
    ),
    ("anyone else's toddler throw food at their head at dinner?", NONE, ()),
    ("my partner has been amazing, taking the night feeds so I can sleep", NONE, ()),
    ("I'm terrified of SIDS, I keep checking she's breathing", NONE, ()),
    (
        "I've been reading about postnatal psychosis and now I'm worried about every odd thought",
        NONE,
        (),
    ),
    ("I keep dropping things, baby brain is no joke", NONE, ()),
    ("I swear this child is trying to kill me with these 4am wake ups", NONE, ()),
    ("just took my first paracetamol in weeks for this headache", NONE, ()),
    ("the crisis line number is in my phone just in case, but I'm ok today", NONE, ()),
    (
        "my dad used to drink a lot when I was little, it makes me nervous around alcohol now",
        NONE,
        (),
    ),
    ("my wife and I had a row about money but we sorted it out", NONE, ()),
    ("the midwife was checking my stitches and I nearly died of embarrassment", NONE, ()),
    ("I could sleep for a week and still be tired", NONE, ()),
    ("my baby bit me while feeding and I screamed so loud the neighbours probably heard", NONE, ()),
    ("I'm going to end up in A&E at this rate, I keep tripping over the baby gate", NONE, ()),
    ("is it normal for a newborn to sleep this much? she's been out for 4 hours", NONE, ()),
    ("I get so anxious when my husband goes away for work, but we facetime every night", NONE, ()),
    ("he took the baby to his mum's for the afternoon so I could rest, bliss", NONE, ()),
    ("I cried because we ran out of milk, hormones are wild", NONE, ()),
    ("I love her so much it hurts", NONE, ()),
    ("dad here, I don't really know what I'm doing but I'm trying", NONE, ()),
    ("I feel numb some days, is that part of PND?", NONE, ()),
    ("the voices of the kids playing outside are the best sound", NONE, ()),
    ("I'm addicted to these baby sleep podcasts", NONE, ()),
    ("I was up all night with him and now I'm running on caffeine", NONE, ()),
    ("tell me it gets easier, I'm knackered", NONE, ()),
    ("the hospital said my blood pressure was high so they're keeping an eye on me", NONE, ()),
    ("my son headbutted me in the mouth and split my lip, he thought it was hilarious", NONE, ()),
    ("we put a lock on the medicine cabinet now she's climbing", NONE, ()),
    ("she's only 3 weeks and I've already bought her too many clothes", NONE, ()),
    ("my husband said he'd kill for a bacon roll, so I sent him to the cafe", NONE, ()),
    ("I'm on sertraline and propranolol and finally feel like me again", NONE, ()),
    ("sorry for going quiet, I've been drowning in visitors this week", NONE, ()),
    ("my ex has the kids this weekend so I'm catching up on sleep", NONE, ()),
    ("I'm so done with nappies, roll on potty training", NONE, ()),
    ("ready to throw in the towel with breastfeeding, it's just not working", NONE, ()),
    ("my little one grabbed my hair and wouldn't let go, it took two of us", NONE, ()),
    ("husband is away this week so it's just me and the twins, wish me luck", NONE, ()),
    ("last glass of prosecco before the baby arrives, cheers everyone", NONE, ()),
    ("I've been looking at how many of my antidepressants it would take", URGENT, ("suicide",)),
    ("I can't see any reason to keep going, I want it to be over for good", URGENT, ("suicide",)),
    ("Everyone would be better off if I just disappeared off that bridge", URGENT, ("suicide",)),
    (
        "i'm gonna take all my tablets tonight when he's asleep",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    ("I've written a note for my husband and put it in the drawer", URGENT, ("suicide",)),
    ("I keep wondering if the fall from our balcony would be enough", URGENT, ("suicide",)),
    ("I don't want to be alive anymore, I'm so tired of pretending", URGENT, ("suicide",)),
    ("thinking about walking in front of the bus on the way to nursery", URGENT, ("suicide",)),
    ("wanna end it all fr", URGENT, ("suicide",)),
    ("My wife keeps telling me she wishes she was dead", URGENT, ("suicide",)),
    ("i've got a stash of pills in my bag, i keep thinking about using them", URGENT, ("suicide",)),
    ("I've been googling painless ways to go", URGENT, ("suicide",)),
    ("my partner said he's been thinking about ending it", URGENT, ("suicide",)),
    ("I honestly think my kids deserve a better mum than me", CONCERN, ("suicide",)),
    ("Some days I wish I could just fall asleep and never wake up", CONCERN, ("suicide",)),
    ("I don't see this ever getting better", CONCERN, ("suicide",)),
    ("I'm just a burden on everyone now", CONCERN, ("suicide",)),
    ("what happens to your baby if you die? asking for no reason", CONCERN, ("suicide",)),
    ("I used to be suicidal as a teenager and I'm scared it's coming back", CONCERN, ("suicide",)),
    ("I've been scratching my arms with a razor blade at night", URGENT, ("self_harm",)),
    ("I hit my head against the wall until I saw stars last night", URGENT, ("self_harm",)),
    ("I burned myself with the iron on purpose", URGENT, ("self_harm",)),
    ("relapsed tonight, cut again after a year clean", URGENT, ("self_harm",)),
    ("i need to hurt myself, it's the only thing that makes it stop", URGENT, ("self_harm",)),
    (
        "I've been having urges to cut again but I'm using the ice cube trick",
        CONCERN,
        ("self_harm",),
    ),
    (
        "I used to self-harm and the scars are itching like they want attention",
        CONCERN,
        ("self_harm",),
    ),
    ("when the baby won't settle I punch the wall", CONCERN, ("self_harm",)),
    ("I keep biting the inside of my cheek until it bleeds", CONCERN, ("self_harm",)),
    (
        "my HV asked if I ever think about harming myself and I told her yes, most days",
        CONCERN,
        ("self_harm",),
    ),
    ("I'm going to hit him if he doesn't stop screaming, I swear", URGENT, ("harm_to_baby",)),
    ("I shook her last night to make her stop crying", URGENT, ("harm_to_baby",)),
    ("I threw the baby onto the sofa because I was so angry", URGENT, ("harm_to_baby",)),
    ("I want to put a pillow over her face so she stops", URGENT, ("harm_to_baby",)),
    ("I dropped him on purpose", URGENT, ("harm_to_baby",)),
    (
        "I keep getting thoughts of throwing her down the stairs and I'm terrified",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("intrusive thoughts about the knife block every time I hold him", CONCERN, ("harm_to_baby",)),
    (
        "I'm scared to be alone with my son because of the horrible thoughts",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I picture myself dropping her off the balcony, it makes me sick", CONCERN, ("harm_to_baby",)),
    ("what if I hurt her in my sleep? I keep thinking about it", CONCERN, ("harm_to_baby",)),
    ("the neighbours are reading my messages through the wifi", URGENT, ("psychosis",)),
    ("I've been up for 4 days and I feel incredible, who needs sleep", URGENT, ("psychosis",)),
    ("I can hear someone whispering my name when nobody's there", URGENT, ("psychosis",)),
    ("the baby isn't mine, the hospital gave me the wrong one", URGENT, ("psychosis",)),
    ("there are messages for me in the songs on the radio", URGENT, ("psychosis",)),
    ("my girlfriend thinks she's been chosen by God to save the world", URGENT, ("psychosis",)),
    ("I'm seeing insects crawling on the baby that aren't there", URGENT, ("psychosis",)),
    ("my thoughts are going so fast I can't catch them", CONCERN, ("psychosis",)),
    ("everything feels like a dream and I'm not sure what's real", CONCERN, ("psychosis",)),
    (
        "my husband's been acting weird since the birth, talking really fast and not making sense",
        CONCERN,
        ("psychosis",),
    ),
    ("I feel strangely high all the time, like I'm buzzing", CONCERN, ("psychosis",)),
    ("he pinned me down and put his hands round my throat", URGENT, ("domestic_abuse",)),
    ("my husband punched me in the face last night", URGENT, ("domestic_abuse",)),
    ("he slapped me so hard my ear is ringing", URGENT, ("domestic_abuse",)),
    (
        "she pushed me into the door frame and I've got a cut on my head",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he told me if I leave he'll kill me and the baby", URGENT, ("domestic_abuse",)),
    ("he makes me have sex when I'm still sore from the birth", URGENT, ("domestic_abuse",)),
    ("he dragged me out of bed by my hair", URGENT, ("domestic_abuse",)),
    (
        "he goes through my phone every night and deletes my friends' numbers",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he keeps my bank card and gives me money for nappies only", CONCERN, ("domestic_abuse",)),
    ("I'm not allowed to see my family unless he's there", CONCERN, ("domestic_abuse",)),
    ("he calls me a useless fat cow every day", CONCERN, ("domestic_abuse",)),
    (
        "he says he'll take the baby and I'll never see her again if I leave",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("I'm always scared of what mood he'll be in when he gets home", CONCERN, ("domestic_abuse",)),
    ("I've just taken a whole packet of paracetamol", URGENT, ("immediate_danger", "suicide")),
    (
        "he's outside the flat screaming that he'll kill me, the baby's with me",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("I'm sitting on the edge of the roof", URGENT, ("immediate_danger",)),
    ("the baby's gone grey and floppy and isn't breathing properly", URGENT, ("immediate_danger",)),
    ("I cut too deep and it won't stop bleeding", URGENT, ("immediate_danger", "self_harm")),
    (
        "this is my last message, I love my babies, I'm sorry",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I don't feel safe, he's got a knife and he's drunk",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("I'm hammered and home alone with the baby", URGENT, ("substance_misuse",)),
    (
        "took a couple of my diazepam with wine and I'm meant to be watching the kids",
        URGENT,
        ("substance_misuse",),
    ),
    ("I'm too drunk to feed her properly", URGENT, ("substance_misuse",)),
    (
        "I've been smoking weed all night and the baby's asleep on my chest",
        URGENT,
        ("substance_misuse",),
    ),
    ("I'm getting through two bottles of wine a night", CONCERN, ("substance_misuse",)),
    ("I can't face the school run without a drink first", CONCERN, ("substance_misuse",)),
    ("I've started buying codeine from a bloke at work", CONCERN, ("substance_misuse",)),
    (
        "drinking is the only way I can switch off from the baby crying",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I'm hiding empty vodka bottles from my partner", CONCERN, ("substance_misuse",)),
]

_FIFTH_BATCH_PROBES_2: list[EvalItem] = [
    # Everyday look-alikes for the patterns added from HELDOUT_SET_3's misses. Tuned on.
    ("I can't face the gym without a coffee first", NONE, ()),
    ("there's no reason to keep going to baby group if she screams the whole time", NONE, ()),
    ("I want this week to be over for good", NONE, ()),
    ("we jumped off the pier into the sea on holiday, best day", NONE, ()),
    ("I keep seeing people at the park that aren't there anymore since lockdown", NONE, ()),
    ("my mind is going so fast with all the lists for the party", NONE, ()),
    ("I've been biting my nails until they bleed, stress of the move", NONE, ()),
    ("he calls me a silly moo when I forget things", NONE, ()),
    ("what would happen to my baby if I died? we're doing our wills this week", NONE, ()),
    ("the easiest way to go is the bypass", NONE, ()),
    ("I'm hiding the biscuits from my husband", NONE, ()),
    ("I took my codeine with a glass of water and had a nap while he napped", NONE, ()),
    ("relapsed on the chocolate again, cut out sugar for a week and failed", NONE, ()),
    # found by the room tests and a final review: progressive forms of violence, and the baby
    # (not a partner) biting or kicking
    ("my partner has been hitting me and I'm scared tonight", URGENT, ("domestic_abuse",)),
    ("he's started hitting me since the baby came", URGENT, ("domestic_abuse",)),
    ("he's been pushing me around when he's had a drink", URGENT, ("domestic_abuse",)),
    ("she keeps biting me when she feeds, ouch", NONE, ()),
    ("he's teething and bit me on the shoulder", NONE, ()),
    ("the baby has been kicking me all night", NONE, ()),
    ("this is goodbye, see you on the other side", URGENT, ("immediate_danger", "suicide")),
    (
        "I'm going to finish it tonight with a bottle of wine and my pills",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
]

_FOURTH_HELDOUT: list[EvalItem] = [
    # Written and labelled after the fifth round's final rules were frozen (after HELDOUT_SET_3
    # was tuned on), and measured once; tuned on in the sixth round.
    (
        "lol my toddler just told the health visitor I'm 'always sad', mortifying, I'd just "
        "stubbed my toe",
        NONE,
        (),
    ),
    ("I'm dead tired but she smiled at me this morning so it's all worth it", NONE, ()),
    ("honestly could scream, the dishwasher's broken and the baby's got colic", NONE, ()),
    (
        "my wife went back to work today and I'm on paternity leave, wish me luck with the bottles",
        NONE,
        (),
    ),
    ("the baby's weight gain is slow and I keep blaming myself, HV says it's fine", NONE, ()),
    ("anyone know a good white noise app? she only sleeps with the hoover on", NONE, ()),
    (
        "I told my GP I wasn't coping and they referred me to the perinatal team, feeling hopeful",
        NONE,
        (),
    ),
    ("we had a scare with a temperature last night but she's fine now", NONE, ()),
    ("my OH is a nurse so she's on nights and I'm doing bedtime solo, it's fine", NONE, ()),
    ("he bumped his head on the coffee table and screamed the house down, I felt awful", NONE, ()),
    ("I could murder a takeaway, nobody's cooked in days", NONE, ()),
    ("my mom flew in from Texas to help and I've never been so grateful", NONE, ()),
    ("this kid will be the end of me, she's figured out how to climb out of the cot", NONE, ()),
    ("I'm so sick of people asking if she's sleeping through", NONE, ()),
    ("the baby pulled my glasses off and snapped them, classic", NONE, ()),
    ("is it bad that I'm looking forward to going back to work?", NONE, ()),
    ("did anyone else feel like they didn't bond straight away? it came later for me", NONE, ()),
    ("my partner took over last night and I slept 6 hours, I feel like a new woman", NONE, ()),
    (
        "I'm not in a good place but I'm not going to do anything, just needed to say it somewhere",
        NONE,
        (),
    ),
    (
        "the HV asked if I felt safe at home and I do, but it made me think about my mum's old "
        "relationship",
        NONE,
        (),
    ),
    ("my friend's husband was violent and it's made me really appreciate mine", NONE, ()),
    ("reading the thread about psychosis made me want to hug my wife", NONE, ()),
    (
        "my brain is fried, I put the baby's sock in the washing machine and the washing in the "
        "bin",
        NONE,
        (),
    ),
    ("I'm so tired I could cry, and then I did", NONE, ()),
    ("he's going through a biting phase, my arms are covered in little teeth marks", NONE, ()),
    ("my diaper bag is a disaster, found a bottle from last week in there", NONE, ()),
    ("we finally moved him into his own room, I watched the monitor all night lol", NONE, ()),
    ("had a glass of wine at my sister's wedding and danced with the baby in the sling", NONE, ()),
    ("I'm taking my iron tablets and vitamin D every morning like a good girl", NONE, ()),
    ("I feel like a zombie but a happy zombie", NONE, ()),
    ("I threw my phone across the room when it woke her up, then had to go and find it", NONE, ()),
    ("the midwife said my stitches have healed nicely, such a relief", NONE, ()),
    ("my husband got told off by the baby for singing, she cried every time he started", NONE, ()),
    ("I keep forgetting to eat lunch, anyone got easy one-handed snack ideas?", NONE, ()),
    ("I'm going to kill my brother, he gave the baby a drum kit for Christmas", NONE, ()),
    (
        "my postnatal depression is lifting slowly, the meds and the talking therapy are helping",
        NONE,
        (),
    ),
    ("dads, did you feel a bit left out in the early weeks?", NONE, ()),
    ("watched the rugby with the little one on my chest, peak dad life", NONE, ()),
    (
        "the baby kept hitting me in the face with her bottle this morning, she thinks it's "
        "hilarious",
        NONE,
        (),
    ),
    ("I'm knackered but we're getting there", NONE, ()),
    ("had my first cry-free day in ages", NONE, ()),
    ("the neighbours probably think we're mad, singing nursery rhymes at 3am", NONE, ()),
    ("I'd jump at the chance of a night away, even one", NONE, ()),
    ("some days I'm just going through the motions, but today was better", NONE, ()),
    ("my mum says I was a nightmare baby too, so it's payback", NONE, ()),
    ("the smoke alarm keeps beeping and I can't reach it, send help", NONE, ()),
    ("she's drinking from a cup now, I'm so proud", NONE, ()),
    ("I'm absolutely dying to see my mates again", NONE, ()),
    ("my kid kicked me in the face during a nappy change, we're both fine", NONE, ()),
    ("he's outside mowing the lawn while she naps, bliss", NONE, ()),
    ("my wife's been having a tough time so I've been doing nights, happy to", NONE, ()),
    (
        "every time I'm on the motorway I think about just letting go of the wheel",
        URGENT,
        ("suicide",),
    ),
    ("I've looked up how long paracetamol takes to kill you", URGENT, ("suicide",)),
    ("I think I'm going to do it this weekend when my mum has the baby", URGENT, ("suicide",)),
    ("Honestly want to die, every single day", URGENT, ("suicide",)),
    ("been saving my sleeping tablets, I've got about 30 now", URGENT, ("suicide",)),
    ("the only way out I can see is killing myself", URGENT, ("suicide",)),
    ("i wanna go to sleep n not wake up, got enough pills to make sure", URGENT, ("suicide",)),
    ("I've sorted out who'll have the kids and written them each a letter", URGENT, ("suicide",)),
    (
        "I keep standing at the top of the stairs in the multi storey thinking about it",
        URGENT,
        ("suicide",),
    ),
    ("my husband told me last night he's been planning how to kill himself", URGENT, ("suicide",)),
    ("I hate myself so much I want to stop existing", URGENT, ("suicide",)),
    ("dad here, I've been researching ways to end my life", URGENT, ("suicide",)),
    ("k!ll mys3lf tbh", URGENT, ("suicide",)),
    (
        "everyone would be better off without me, I'm just dragging them all down",
        CONCERN,
        ("suicide",),
    ),
    ("I wish I could disappear and let them get on with their lives", CONCERN, ("suicide",)),
    ("nothing's ever going to change, what's the point", CONCERN, ("suicide",)),
    ("sometimes I think it would be easier if I wasn't around", CONCERN, ("suicide",)),
    ("is it normal to sometimes wish you just wouldn't wake up?", CONCERN, ("suicide",)),
    (
        "I tried to end my life when I was 19 and I'm scared of feeling like that again",
        CONCERN,
        ("suicide",),
    ),
    ("I cut my arms last night, first time since before I was pregnant", URGENT, ("self_harm",)),
    ("I've been burning my wrist with cigarettes", URGENT, ("self_harm",)),
    ("I'm going to cut myself as soon as the baby's asleep", URGENT, ("self_harm",)),
    ("I keep punching myself in the stomach", URGENT, ("self_harm",)),
    ("s/h again, couldn't stop myself", URGENT, ("self_harm",)),
    ("I hurt myself on purpose today, I needed to feel something", URGENT, ("self_harm",)),
    ("I've been getting the urge to hurt myself again", CONCERN, ("self_harm",)),
    ("I used to cut when I was younger, and the thoughts are back", CONCERN, ("self_harm",)),
    (
        "I pinch my arms really hard until they bruise when the baby screams",
        CONCERN,
        ("self_harm",),
    ),
    ("the thought of self harming keeps coming back", CONCERN, ("self_harm",)),
    ("I'm going to smother him if he doesn't stop crying", URGENT, ("harm_to_baby",)),
    (
        "I slapped my son across the face today, I've never done that before",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I shook the baby so hard his head flopped", URGENT, ("harm_to_baby",)),
    ("I want to hurt her and I'm scared I actually will", URGENT, ("harm_to_baby",)),
    ("I held a cushion over his face for a few seconds", URGENT, ("harm_to_baby",)),
    ("I get these awful flashes of the baby falling from the window", CONCERN, ("harm_to_baby",)),
    (
        "I'm terrified I'll snap and hurt her, so I hand her to my husband when I'm stressed",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "every time I'm near the stairs with him I picture throwing him down",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "horrible thoughts about drowning her keep popping into my head at bath time",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I don't trust myself with the baby when he cries for hours", CONCERN, ("harm_to_baby",)),
    ("I know the TV is sending me messages about my daughter", URGENT, ("psychosis",)),
    ("someone's been watching me through my laptop camera", URGENT, ("psychosis",)),
    ("I haven't slept in three days and I feel on top of the world", URGENT, ("psychosis",)),
    ("I hear a voice telling me the baby is evil", URGENT, ("psychosis",)),
    (
        "my wife says the baby is possessed and she wants to take him to a priest at 3am",
        URGENT,
        ("psychosis",),
    ),
    ("I've been chosen to save the world and the baby is part of the plan", URGENT, ("psychosis",)),
    ("there's a chip in my arm that lets them track me", URGENT, ("psychosis",)),
    (
        "my mind keeps racing and I can't switch it off, I've barely slept in days",
        CONCERN,
        ("psychosis",),
    ),
    ("things feel unreal, like I'm in a film", CONCERN, ("psychosis",)),
    (
        "my partner has been saying strange things and doesn't seem like herself",
        CONCERN,
        ("psychosis",),
    ),
    ("I feel weirdly euphoric and not like myself", CONCERN, ("psychosis",)),
    ("he hit me with the baby's bottle", URGENT, ("domestic_abuse",)),
    ("he grabbed me round the neck and pushed me against the fridge", URGENT, ("domestic_abuse",)),
    ("he said he's going to kill me if I tell anyone", URGENT, ("domestic_abuse",)),
    ("he raped me after I said no", URGENT, ("domestic_abuse",)),
    ("my husband kicked me in the back while I was changing the baby", URGENT, ("domestic_abuse",)),
    (
        "she bit me and punched me in the ribs, I'm the dad, I don't know who to tell",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he threw a glass at my face", URGENT, ("domestic_abuse",)),
    (
        "he checks my location all day and phones if I'm not where I said",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he won't let me have my own bank account", CONCERN, ("domestic_abuse",)),
    (
        "he tells me I'm a terrible mother and that the baby would be better off without me",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("I have to ask him before I can see my friends", CONCERN, ("domestic_abuse",)),
    ("he threatens to take the baby to Pakistan if I leave", CONCERN, ("domestic_abuse",)),
    ("I'm scared of my wife when she's been drinking", CONCERN, ("domestic_abuse",)),
    ("my ex keeps turning up at nursery and shouting at me", CONCERN, ("domestic_abuse",)),
    (
        "I've swallowed a whole bottle of my antidepressants",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "he's broken the front door and he's coming upstairs",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("I'm on the bridge and I'm going to jump", URGENT, ("immediate_danger", "suicide")),
    ("the baby isn't breathing and he's blue", URGENT, ("immediate_danger",)),
    (
        "I cut myself and it's pouring with blood, I feel dizzy",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    (
        "I'm scared to go home tonight, he said he'd be waiting for me",
        CONCERN,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("Goodbye everyone, I'm sorry, I love you all", URGENT, ("immediate_danger", "suicide")),
    ("I'm really drunk and I'm the only one here with the baby", URGENT, ("substance_misuse",)),
    (
        "I've been drinking since lunch and my husband's away with work, it's just me and the baby",
        URGENT,
        ("substance_misuse",),
    ),
    ("I took some pills someone gave me and I'm feeding her now", URGENT, ("substance_misuse",)),
    ("I'm off my head and the kids are in bed, nobody else is home", URGENT, ("substance_misuse",)),
    ("I'm drinking most nights now to cope with the crying", CONCERN, ("substance_misuse",)),
    ("I've been taking more codeine than prescribed", CONCERN, ("substance_misuse",)),
    ("I'm using ket at weekends to escape", CONCERN, ("substance_misuse",)),
    ("I need vodka to get through bath time", CONCERN, ("substance_misuse",)),
    ("I buy extra sleeping pills off a woman at work", CONCERN, ("substance_misuse",)),
]

EVAL_SET: Final[list[EvalItem]] = [
    *_BENIGN_IDIOMS,
    *_BENIGN_NEGATIONS,
    *_BENIGN_REPORTED,
    *_BENIGN_EVERYDAY,
    *_SUICIDE_URGENT,
    *_SUICIDE_CONCERN,
    *_SELF_HARM_URGENT,
    *_SELF_HARM_CONCERN,
    *_HARM_TO_BABY_INTRUSIVE,
    *_HARM_TO_BABY_INTENT,
    *_PSYCHOSIS_URGENT,
    *_PSYCHOSIS_CONCERN,
    *_ABUSE_URGENT,
    *_ABUSE_CONCERN,
    *_IMMEDIATE_DANGER,
    *_SUBSTANCE_CONCERN,
    *_SUBSTANCE_URGENT,
    *_SECOND_BATCH,
    *_THIRD_BATCH,
    *_FOURTH_BATCH,
    *_FIRST_HELDOUT,
    *_SECOND_HELDOUT,
    *_FIFTH_BATCH,
    *_FIFTH_BATCH_PROBES,
    *_THIRD_HELDOUT,
    *_FIFTH_BATCH_PROBES_2,
    *_FOURTH_HELDOUT,
]
"""Every labelled message (development data). Categories within an entry are sorted by name."""

HELDOUT_SET: Final[list[EvalItem]] = _FIRST_HELDOUT
"""The first held-out batch: kept out of tuning until the fifth round, now part of EVAL_SET."""

HELDOUT_SET_2: Final[list[EvalItem]] = _SECOND_HELDOUT
"""The second held-out batch: measured before the fifth round, whose rules drew on its misses."""

HELDOUT_SET_3: Final[list[EvalItem]] = _THIRD_HELDOUT
"""The third held-out batch: measured once on frozen rules, then tuned on; part of EVAL_SET."""

HELDOUT_SET_4: Final[list[EvalItem]] = _FOURTH_HELDOUT
"""The fourth held-out batch: measured once after round five, tuned on in round six; in EVAL_SET."""


HELDOUT_SET_5: Final[list[EvalItem]] = [
    # Written and labelled before the sixth round touched any rule; see the module docstring for
    # its figure on the rules as they stood. Never tuned on: only its totals were read.
    # -- benign: idioms of tired parents, negations, reported speech, alarming words in ordinary use
    ("she's killing me with these 5am starts", NONE, ()),
    ("I could happily throttle the man who invented the noisy bouncer", NONE, ()),
    ("I'm literally dying for a bacon sandwich", NONE, ()),
    ("this baby will be the death of me, he's eaten a crayon", NONE, ()),
    ("honestly I'd kill for a lie in", NONE, ()),
    ("my nipples are murdering me, cracked and bleeding, any creams?", NONE, ()),
    ("nearly killed myself on a rogue lego at 3am", NONE, ()),
    ("I'm so tired I could sleep for a year", NONE, ()),
    ("my husband's snoring makes me want to smother him with a pillow 😂", NONE, ()),
    ("shoot me, it's only Tuesday", NONE, ()),
    ("I'm going to lose my mind if she doesn't nap today", NONE, ()),
    ("that nappy was lethal, had to open every window", NONE, ()),
    ("dying of the cringe, sang to him at baby group and my voice cracked", NONE, ()),
    ("we're drowning in baby clothes people have given us", NONE, ()),
    (
        "I'm so hungover from the sleep deprivation, feels like I drank a bottle of vodka",
        NONE,
        (),
    ),
    ("she absolutely smashed it at swimming today", NONE, ()),
    (
        "my mum is going to kill me when she finds out we've named him after his other grandad",
        NONE,
        (),
    ),
    ("I'm running on empty but we're surviving", NONE, ()),
    ("the dog nearly gave me a heart attack barking just as she'd gone down", NONE, ()),
    ("I'm not going to hurt myself, I just need a rant", NONE, ()),
    ("never thought about harming the baby, but I do feel a bit disconnected", NONE, ()),
    ("no suicidal thoughts, the GP checked, I'm just really flat", NONE, ()),
    ("he's never laid a finger on me, he's just really stressed about money", NONE, ()),
    ("I'm not hearing things, it was the monitor picking up next door's baby lol", NONE, ()),
    ("I don't drink at all since she was born, not even at Christmas", NONE, ()),
    ("I'm not depressed, I'm just bored of the same four walls", NONE, ()),
    ("watched a documentary about postpartum psychosis, so glad they talk about it now", NONE, ()),
    ("our NCT group had a talk on domestic abuse, really eye-opening", NONE, ()),
    (
        "the midwife asked the usual questions about feeling safe and wanting to harm myself, "
        "all fine",
        NONE,
        (),
    ),
    ("my sister had PND and got through it, she's my hero", NONE, ()),
    (
        "read a story about a mum who took an overdose after her baby, made me cry, so sad",
        NONE,
        (),
    ),
    (
        "the crime drama last night had a strangling scene, had to turn it off, hormones",
        NONE,
        (),
    ),
    ("he hit his head on the cot bars but he's fine, no bump", NONE, ()),
    ("dad here, first solo bath time and nobody drowned, success", NONE, ()),
    ("she cut her first tooth today!", NONE, ()),
    ("he kicked me so hard in the bladder I nearly wet myself, 38 weeks and counting", NONE, ()),
    (
        "my OH is working away this week so it's just me and the little one, wish me luck",
        NONE,
        (),
    ),
    ("I took two paracetamol for the headache, is that ok while breastfeeding?", NONE, ()),
    ("the baby was sick everywhere and then laughed at me", NONE, ()),
    ("we had to go to A&E because he put a raisin up his nose", NONE, ()),
    ("I've hidden the remote so he can't chew it anymore", NONE, ()),
    ("any tips for getting a toddler to stop hitting the baby? she's only 2", NONE, ()),
    ("my partner's on nights so I had a glass of wine after bedtime, first in ages", NONE, ()),
    ("anyone else's baby scream bloody murder when you put them in the car seat?", NONE, ()),
    ("the voices at baby group were so loud I had to leave, too overwhelming", NONE, ()),
    ("I keep seeing adverts for baby monitors on my phone, I swear it listens", NONE, ()),
    ("i cried at the washing machine advert, hormones are wild", NONE, ()),
    ("I threw the baby book in the bin, it was making me feel worse", NONE, ()),
    ("she bit me while feeding and I yelped", NONE, ()),
    (
        "I'm back on the gin tonight to celebrate my sister's engagement, hubby's doing bedtime",
        NONE,
        (),
    ),
    ("my son's got a cough that sounds like a seal, GP says croup", NONE, ()),
    ("going to cut my hair short, sick of it being pulled", NONE, ()),
    ("we finally got him to take a bottle, I nearly cried with relief", NONE, ()),
    ("dads group on Thursday was brilliant, we just talked about football and sleep", NONE, ()),
    ("i'm exhausted but happy, she slept 5 hours straight last night", NONE, ()),
    # -- suicide
    (
        "I've decided I'm going to end it after the baby's christening, it's all planned",
        URGENT,
        ("suicide",),
    ),
    ("honestly cant see a future where im alive, just want it over", URGENT, ("suicide",)),
    ("been googling how many co-codamol would do it", URGENT, ("suicide",)),
    (
        "dad of 2 here. I sat in the car in the garage last night with the engine running for a "
        "bit",
        URGENT,
        ("suicide",),
    ),
    ("I mean it this time, I want to be dead", URGENT, ("suicide",)),
    (
        "my wife said she's been thinking of ways to kill herself and asked me not to tell anyone",
        URGENT,
        ("suicide",),
    ),
    (
        "tbh i dont want to be here anymore, not in a dramatic way, i just dont",
        URGENT,
        ("suicide",),
    ),
    (
        "I've written a note for my partner and put it in the drawer with the baby's red book",
        URGENT,
        ("suicide",),
    ),
    ("wish i had the guts to jump in front of a train", URGENT, ("suicide",)),
    (
        "I keep thinking about slitting my wrists in the bath once everyone's asleep",
        URGENT,
        ("suicide",),
    ),
    (
        "what's the point in me living, the kids deserve a better mum, I'm going to make it stop",
        URGENT,
        ("suicide",),
    ),
    ("Ive stockpiled my sertraline for weeks, just in case", URGENT, ("suicide",)),
    ("i want to die. simple as that. don't tell me to ring anyone", URGENT, ("suicide",)),
    (
        "new dad, not coping, keep thinking about driving into a wall on the way home from work",
        URGENT,
        ("suicide",),
    ),
    ("if I'm honest I've been planning my suicide for a while now", URGENT, ("suicide",)),
    ("sometimes I think everyone would cope fine if I just wasn't here", CONCERN, ("suicide",)),
    ("I don't want to die, I just want to stop existing for a while", CONCERN, ("suicide",)),
    ("feel like such a burden on my husband, he'd be happier without me", CONCERN, ("suicide",)),
    ("I went to bed hoping I wouldn't wake up", CONCERN, ("suicide",)),
    ("there's no light at the end of the tunnel, never will be", CONCERN, ("suicide",)),
    (
        "i attempted when i was at uni and lately ive been feeling the same way",
        CONCERN,
        ("suicide",),
    ),
    (
        "dads, is it normal to think your family would be better off with the life insurance?",
        CONCERN,
        ("suicide",),
    ),
    # -- immediate danger
    (
        "I've taken all my tablets and a bottle of wine, just wanted to say bye",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "sitting on the edge of the cliff at the moment, can't do this anymore",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "got the belt ready n im thinkin abt hangin myself tonight",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I'm in the car park on the top level and I'm going to go over",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "this is my last message, look after my boy for me",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I've got all the pills lined up on the bathroom floor",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "cut too deep and it won't stop bleeding, towel is soaked",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    (
        "he's outside banging on the door saying he'll kill me, I'm hiding in the bathroom with "
        "the baby",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    (
        "he's got a knife and he's really angry, I'm scared",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("baby's gone floppy and won't wake up, what do I do", URGENT, ("immediate_danger",)),
    ("she's choking and going purple", URGENT, ("immediate_danger",)),
    # -- self-harm
    (
        "I've started cutting again, my thighs this time so no one sees",
        URGENT,
        ("self_harm",),
    ),
    ("scratched my arms till they bled last night after the argument", URGENT, ("self_harm",)),
    (
        "I'm going to burn myself with the straighteners when he goes to work",
        URGENT,
        ("self_harm",),
    ),
    (
        "banged my head against the wall over and over until I felt calmer",
        URGENT,
        ("self_harm",),
    ),
    ("sh'd again tonight, deeper than before", URGENT, ("self_harm",)),
    (
        "I've been hitting myself with the hairbrush when I get overwhelmed",
        URGENT,
        ("self_harm",),
    ),
    (
        "i need to hurt myself rn, the urge is too strong and im going to",
        URGENT,
        ("self_harm",),
    ),
    ("I've been really tempted to cut again but I've held off so far", CONCERN, ("self_harm",)),
    (
        "I used to self harm as a teenager and the urge is creeping back",
        CONCERN,
        ("self_harm",),
    ),
    ("I dig my nails into my hands when she won't stop crying", CONCERN, ("self_harm",)),
    ("punched the wall last night, knuckles are a mess", CONCERN, ("self_harm",)),
    ("had the thought of burning myself today, didn't do it", CONCERN, ("self_harm",)),
    # -- harm to the baby
    (
        "I shook her last night because she wouldn't stop, she seems ok but I did it",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I'm so angry I could throw him across the room and I think I actually might",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I put my hand over her mouth to stop the screaming, only for a second",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "dad here, I squeezed my son's arm so hard it left a mark",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I want to put a pillow over her face so it all stops", URGENT, ("harm_to_baby",)),
    ("I dropped him on purpose onto the bed, then panicked", URGENT, ("harm_to_baby",)),
    ("if she wakes again tonight i swear im going to hurt her", URGENT, ("harm_to_baby",)),
    (
        "I'm going to take the baby with me when I go, she can't stay here without me",
        URGENT,
        ("harm_to_baby", "suicide"),
    ),
    (
        "my partner smacked the baby hard on the leg because he wouldn't settle",
        URGENT,
        ("harm_to_baby",),
    ),
    (
        "I keep imagining dropping her over the banister and it makes me feel sick",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I've hidden all our knives because I keep getting pictures in my head of stabbing him",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "horrible thought popped into my head of holding him under the bath water, I'd never do "
        "it but I'm scared",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I avoid being alone with the baby in case I snap", CONCERN, ("harm_to_baby",)),
    (
        "does anyone else get scary thoughts about hurting their baby? I love her so much",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I had a flash of throwing him out of the car window on the motorway and I can't stop "
        "thinking about it",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I'm frightened of what I might do when she screams for hours, so I put her in the cot "
        "and walk out",
        CONCERN,
        ("harm_to_baby",),
    ),
    # -- psychosis
    (
        "haven't slept since Tuesday and I don't even feel tired, I've got so much to do",
        URGENT,
        ("psychosis",),
    ),
    (
        "the baby isn't mine, they swapped her at the hospital, I can tell by her eyes",
        URGENT,
        ("psychosis",),
    ),
    ("I can hear whispering in the walls telling me what to do", URGENT, ("psychosis",)),
    (
        "my wife's convinced the neighbours are filming us through the smoke alarm",
        URGENT,
        ("psychosis",),
    ),
    ("God has told me my son is going to save everyone", URGENT, ("psychosis",)),
    (
        "i keep seeing people in the corner of the nursery who aren't there",
        URGENT,
        ("psychosis",),
    ),
    (
        "my partner hasn't slept for 4 days, she's talking really fast and says she's on a mission",
        URGENT,
        ("psychosis",),
    ),
    (
        "the radio is talking directly to me, it knows what I'm thinking",
        URGENT,
        ("psychosis",),
    ),
    (
        "I feel invincible, like nothing can hurt me or the baby, I could walk through fire",
        URGENT,
        ("psychosis",),
    ),
    (
        "my thoughts are going a million miles an hour and I can't keep up with them",
        CONCERN,
        ("psychosis",),
    ),
    (
        "everything feels strange, like the world isn't real and I'm watching from outside",
        CONCERN,
        ("psychosis",),
    ),
    (
        "my wife has been acting really out of character since the birth, talking nonsense at "
        "times",
        CONCERN,
        ("psychosis",),
    ),
    ("feel weirdly buzzing and high even though I've had no sleep", CONCERN, ("psychosis",)),
    (
        "my head is so jumbled I can't finish a sentence, I keep losing track",
        CONCERN,
        ("psychosis",),
    ),
    # -- domestic abuse
    ("he pushed me down the stairs when I was 7 months", URGENT, ("domestic_abuse",)),
    ("my boyfriend put his hands round my throat last night", URGENT, ("domestic_abuse",)),
    (
        "he punched the wall next to my head then grabbed my hair",
        URGENT,
        ("domestic_abuse",),
    ),
    (
        "she hits me when I don't do things right, I'm a dad and I feel stupid saying it",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he says if I leave he'll kill me and the baby", URGENT, ("domestic_abuse",)),
    (
        "my partner forced me to have sex when I was still bleeding after the birth",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he kneed me in the stomach when I was pregnant", URGENT, ("domestic_abuse",)),
    ("DH slapped me round the face in front of the kids", URGENT, ("domestic_abuse",)),
    (
        "he pinned me down on the bed and wouldn't let me up for ages",
        URGENT,
        ("domestic_abuse",),
    ),
    (
        "my ex turned up drunk and smashed my head against the car door",
        URGENT,
        ("domestic_abuse",),
    ),
    (
        "he goes through my phone every night and gets angry if I've deleted anything",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "my husband takes my wages and gives me an allowance for nappies",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "she won't let me see my mates, says I should be at home",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "he always comes to my midwife appointments and answers for me",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "I'm terrified of how he'll react if I tell him I've spent money on myself",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he calls me a fat useless cow in front of his family", CONCERN, ("domestic_abuse",)),
    ("he put a tracker on my car", CONCERN, ("domestic_abuse",)),
    (
        "my partner says no one would believe me because I've got PND",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "my ex keeps messaging me hundreds of times a day and turning up at my mum's",
        CONCERN,
        ("domestic_abuse",),
    ),
    # -- substance misuse
    (
        "I'm absolutely wasted and the baby's just woken up, no one else here",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "had a couple of lines and I'm doing the night feeds on my own",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "smoked loads of weed and fell asleep on the sofa with her on my chest",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "I've had nearly a bottle of vodka and I've got to pick the kids up from school in the car",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "drunk af and hubby's on nights so it's just me n the twins",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "took a couple of my mum's diazepam and I'm struggling to keep my eyes open, baby's in "
        "the bath",
        URGENT,
        ("immediate_danger", "substance_misuse"),
    ),
    (
        "I'm getting through a bottle of wine most nights just to switch off",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I can't sleep without a joint anymore", CONCERN, ("substance_misuse",)),
    (
        "been taking extra codeine since my c-section, more than the box says",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "my husband's drinking has got out of hand since the baby came",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "wine o'clock is getting earlier and earlier, it's 11am now",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I've been buying tramadol off a lad at the gym", CONCERN, ("substance_misuse",)),
]
"""A fifth held-out batch, written before the sixth round changed any rule; never tuned on."""

HELDOUT_SET_6: Final[list[EvalItem]] = [
    # Written and labelled after the sixth round's rules were frozen, before being run even once.
    # -- benign
    ("my back is killing me from carrying the car seat everywhere", NONE, ()),
    ("I'd murder someone for a full night's sleep right now", NONE, ()),
    ("she screamed blue murder at her jabs, poor thing", NONE, ()),
    ("I'm dead on my feet but the little man finally rolled over!", NONE, ()),
    ("pretty sure the baby is trying to kill me with these 4am wake ups lol", NONE, ()),
    ("the weaning mess is going to finish me off", NONE, ()),
    ("I want to disappear under the duvet for a week, just knackered", NONE, ()),
    ("dads, how did you cope with going back to work after two weeks?", NONE, ()),
    ("no, I've never had thoughts of hurting myself, the HV just has to ask", NONE, ()),
    ("I don't feel depressed, just a bit overwhelmed by the house move", NONE, ()),
    ("he has never raised a hand to me, he's a gentle soul, just grumpy when tired", NONE, ()),
    ("I'm not drinking at all while breastfeeding, miss wine though!", NONE, ()),
    ("the birth was traumatic but the debrief with the midwife helped a lot", NONE, ()),
    (
        "my partner and I argued about whose turn it was to do the bottles, made up after",
        NONE,
        (),
    ),
    ("she pulled my earring and it bled a bit, lesson learned", NONE, ()),
    ("nearly dropped the baby monitor in the bath, classic", NONE, ()),
    (
        "I keep hearing the baby cry even when she's asleep, think it's the tiredness",
        NONE,
        (),
    ),
    ("my daughter hit her brother with a wooden spoon, toddler life", NONE, ()),
    ("finally cut down to one night feed, feeling human again", NONE, ()),
    ("I took all my vitamins this morning, go me", NONE, ()),
    (
        "our health visitor was lovely and asked about my mood, I said I'm doing ok",
        NONE,
        (),
    ),
    ("my wife is so strong, she's handled the NICU stay better than me", NONE, ()),
    (
        "the baby screamed all evening so I put her down and had a cry in the kitchen, then we "
        "were fine",
        NONE,
        (),
    ),
    ("I jumped out of my skin when the smoke alarm went off", NONE, ()),
    (
        "is it normal for a newborn to go a bit blue around the mouth when crying? HV said it's "
        "fine",
        NONE,
        (),
    ),
    ("I'm so tired I could cry, but at least he's feeding well", NONE, ()),
    (
        "my mum threatened to take the baby for a whole weekend so we can rest, bless her",
        NONE,
        (),
    ),
    ("we're thinking of ending the breastfeeding journey at 6 months", NONE, ()),
    ("I've got a stash of frozen breast milk the size of a small country", NONE, ()),
    ("DH took the kids to the park so I could have a bath in peace", NONE, ()),
    ("I googled how long newborns sleep and now I'm more confused", NONE, ()),
    ("my husband hid the biscuits from me, rude", NONE, ()),
    ("she kicked the bath water everywhere and soaked me, little monkey", NONE, ()),
    ("I hate asking my mum for help but she insists, she loves it really", NONE, ()),
    (
        "the car seat buckle trapped my finger and I swore so loudly the baby laughed",
        NONE,
        (),
    ),
    ("I'm losing my mind looking for the other sock", NONE, ()),
    # -- suicide
    (
        "I can't see myself being alive by Christmas, I've made peace with it",
        URGENT,
        ("suicide",),
    ),
    ("been looking at how high the bridge over the bypass is", URGENT, ("suicide",)),
    ("I just want to die, everything I do as a mum is wrong", URGENT, ("suicide",)),
    ("I've been researching how much insulin would be fatal", URGENT, ("suicide",)),
    ("I don't want to live anymore and I'm scared of what I'll do", URGENT, ("suicide",)),
    ("dad here, I've bought a rope and hidden it in the shed", URGENT, ("suicide",)),
    ("ive thought about overdosing every night this week", URGENT, ("suicide",)),
    ("if I killed myself at least they'd get the insurance money", URGENT, ("suicide",)),
    (
        "my partner told me she's been looking up ways to end her life",
        URGENT,
        ("suicide",),
    ),
    ("i keep thinkin im gonna end it, nobody would even notice", URGENT, ("suicide",)),
    ("what's the point of anything anymore", CONCERN, ("suicide",)),
    ("I sometimes wish I could just not exist for a while", CONCERN, ("suicide",)),
    ("my family would honestly be better off without me", CONCERN, ("suicide",)),
    ("I don't think things will ever get better for me", CONCERN, ("suicide",)),
    (
        "I tried to take my life years ago and the same dark cloud is back",
        CONCERN,
        ("suicide",),
    ),
    # -- immediate danger
    ("I've taken about 40 paracetamol, I'm sorry", URGENT, ("immediate_danger", "suicide")),
    (
        "I'm at the train station and I'm going to step in front of the next one",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "I'm standing on the balcony ledge, tell my daughter I love her",
        URGENT,
        ("immediate_danger", "suicide"),
    ),
    (
        "he's kicking the door in and screaming he'll kill me, please help",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    ("my son's stopped breathing, I'm calling 999", URGENT, ("immediate_danger",)),
    (
        "I've slashed my arm and there's blood everywhere, it's not stopping",
        URGENT,
        ("immediate_danger", "self_harm"),
    ),
    (
        "she's downstairs with a knife saying she'll kill us both",
        URGENT,
        ("domestic_abuse", "immediate_danger"),
    ),
    # -- self-harm
    ("burnt my arm with a lighter last night, it's blistered", URGENT, ("self_harm",)),
    ("I've been cutting my stomach where no one can see", URGENT, ("self_harm",)),
    ("going to cut tonight, I can't hold it off any more", URGENT, ("self_harm",)),
    (
        "I hit my head against the door frame until I saw stars, I deserved it",
        URGENT,
        ("self_harm",),
    ),
    ("I keep scratching my wrists with a pin until they bleed", URGENT, ("self_harm",)),
    ("I've had urges to cut again but I've not done it", CONCERN, ("self_harm",)),
    ("I've been picking my skin until it bleeds when I'm anxious", CONCERN, ("self_harm",)),
    (
        "keep thinking about hurting myself, I haven't, but it's there",
        CONCERN,
        ("self_harm",),
    ),
    # -- harm to the baby
    (
        "I threw her onto the sofa because she wouldn't stop screaming",
        URGENT,
        ("harm_to_baby",),
    ),
    ("I'm going to shake him if he doesn't shut up, I mean it", URGENT, ("harm_to_baby",)),
    ("I slapped the baby's leg hard this morning and she screamed", URGENT, ("harm_to_baby",)),
    ("I want to smother him so the crying stops", URGENT, ("harm_to_baby",)),
    ("I covered his face with the blanket and held it there", URGENT, ("harm_to_baby",)),
    (
        "my husband shook our son when he wouldn't settle and now he's really quiet",
        URGENT,
        ("harm_to_baby", "immediate_danger"),
    ),
    (
        "I get these images of the baby falling down the stairs and it terrifies me",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I'm scared I'll drop him on purpose, I don't want to but the thought won't go",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "every time I use a knife I picture hurting her and I have to put it down",
        CONCERN,
        ("harm_to_baby",),
    ),
    (
        "I've stopped bathing her myself because of the thoughts about drowning",
        CONCERN,
        ("harm_to_baby",),
    ),
    ("I worry I might shake her when she screams, so I walk away", CONCERN, ("harm_to_baby",)),
    # -- psychosis
    (
        "haven't slept in 3 nights and I feel amazing, I've reorganised the whole house",
        URGENT,
        ("psychosis",),
    ),
    ("the baby is talking to me in my head, telling me things", URGENT, ("psychosis",)),
    (
        "there are cameras in the light fittings, I know they're watching me feed",
        URGENT,
        ("psychosis",),
    ),
    (
        "I'm the only one who can save the world from what's coming, the baby was sent to help me",
        URGENT,
        ("psychosis",),
    ),
    ("my wife thinks our baby has been swapped for a changeling", URGENT, ("psychosis",)),
    (
        "I keep seeing a man standing at the end of the bed but nobody else can see him",
        URGENT,
        ("psychosis",),
    ),
    ("my mind won't slow down, thoughts are racing all night", CONCERN, ("psychosis",)),
    ("I feel detached from everything, like I'm not real", CONCERN, ("psychosis",)),
    ("my wife has been saying odd things and laughing to herself", CONCERN, ("psychosis",)),
    (
        "I'm buzzing with energy and haven't needed much sleep, feel a bit manic",
        CONCERN,
        ("psychosis",),
    ),
    # -- domestic abuse
    (
        "he punched me in the face last night and my eye is swollen shut",
        URGENT,
        ("domestic_abuse",),
    ),
    ("my husband dragged me across the kitchen by my hair", URGENT, ("domestic_abuse",)),
    (
        "she threw boiling water at me, I'm a dad and I don't know what to do",
        URGENT,
        ("domestic_abuse",),
    ),
    ("he squeezed my throat until I nearly passed out", URGENT, ("domestic_abuse",)),
    ("my boyfriend says he'll stab me if I go to my mum's", URGENT, ("domestic_abuse",)),
    (
        "he reads all my texts and makes me unlock my phone for him",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "my wife controls all the money and I have to ask for every penny",
        CONCERN,
        ("domestic_abuse",),
    ),
    ("he doesn't let me see my family anymore", CONCERN, ("domestic_abuse",)),
    (
        "he keeps telling me I'm a useless mum and no one would want me",
        CONCERN,
        ("domestic_abuse",),
    ),
    (
        "I'm always on edge waiting for him to come home in case he's in a mood",
        CONCERN,
        ("domestic_abuse",),
    ),
    # -- substance misuse
    (
        "I'm so stoned and the baby's awake and crying, I can't think",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "drank a bottle of wine on my own and I'm looking after the twins till dad gets home",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "I've had loads of coke and I'm in charge of the kids tonight",
        URGENT,
        ("substance_misuse",),
    ),
    (
        "I've been drinking every night since the baby came, it's the only thing that helps",
        CONCERN,
        ("substance_misuse",),
    ),
    (
        "I've been taking my husband's tramadol to get through the day",
        CONCERN,
        ("substance_misuse",),
    ),
    ("I smoke weed every evening to switch off from it all", CONCERN, ("substance_misuse",)),
]
"""A sixth held-out batch, written after the sixth round's rules were frozen; never tuned on."""
