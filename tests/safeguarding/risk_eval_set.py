"""The labelled evaluation set for the chat risk screen.

Each entry is ``(text, expected_severity, expected_categories)``: severity is ``"none"``,
``"concern"`` or ``"urgent"`` and categories is a tuple of category names (empty for benign).
Severities are plain strings so this module does not depend on the engine it evaluates and can be
dumped to JSON for the JavaScript port.

These messages were written for Hearth before the rules: in the voice of British parents (mums,
dads and partners) in the perinatal period, with their abbreviations (DH, DP, OH, LO, HV), typos,
text-speak and deliberate obfuscation. About two fifths are benign, and many of those are chosen
to trip a careless screen: exhausted-parent idioms, negations, reported speech and ordinary
worries that use alarming words.

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
        "my friend's partner used to check her phone and I didn't realise that was abuse "
        "until now",
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
        "she rolled off the changing mat onto the floor, we got her checked at A&E "
        "and she's fine",
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
        "I'm on my own with the baby all week while he's working away, "
        "any tips for staying sane?",
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
        "the baby's first jabs today, she screamed and I cried, "
        "and then we both had a nap",
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
        "I can't go near the kitchen knives when I'm holding her, "
        "my brain shows me awful things",
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
        "he won't let me go to baby groups, says they're a waste of time "
        "and I should be at home",
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
        "my partner makes me feel like I'm going mad, he says things never happened "
        "when they did",
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
        "I've been going to the pub straight from work every night because "
        "I can't face going home",
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
]
"""Every labelled message, benign first. Categories within an entry are sorted by name."""
