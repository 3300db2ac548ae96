"""The escalation brief: extractive, redacted, short, and finding what the hand labels say."""

from __future__ import annotations

import json

import pytest
from helpers import (
    ANGRY,
    BRIEF_SECTIONS,
    CALM,
    CORPUS,
    ROOT,
    as_row,
    brief_quotes,
    call,
    write_jsonl,
)
from typer.testing import CliRunner

from escalation_risk import load_model, read_transcripts, score
from escalation_risk.brief import MAX_WORDS, brief
from escalation_risk.cli import app
from escalation_risk.tracker import RiskTracker

runner = CliRunner()
GOLD = json.loads((ROOT / "tests" / "fixtures" / "brief_gold.json").read_text())["calls"]
KEYS = BRIEF_SECTIONS


@pytest.fixture(scope="module")
def corpus():
    return {c.call_id: c for c in read_transcripts(CORPUS)}


@pytest.fixture(scope="module")
def gold_briefs(corpus):
    model = load_model()
    return [(row, brief(corpus[row["call_id"]], model)) for row in GOLD]


def test_every_item_is_a_quote_of_its_turn(gold_briefs, corpus):
    """Extractive only: each item's text, ellipses aside, is in the (redacted) turn it names."""
    checked = 0
    for row, made in gold_briefs:
        for name, turn, piece, source in brief_quotes(made, corpus[row["call_id"]]):
            assert piece in source, (row["call_id"], name, turn, piece)
            checked += 1
    assert checked > 200


def test_brief_finds_the_hand_labelled_turns(gold_briefs):
    """A guard well under the figures in docs/benchmarks.md (bench_brief.py), so a change
    that breaks the extractor fails here rather than in the next benchmark run."""
    problem = sum(row["problem"] in {i.turn for i in b.problem} for row, b in gold_briefs)
    wants = sum(
        bool(
            {i.turn for i in b.desired_outcome}
            & {row["desired_outcome"], *row["desired_outcome_also"]}
        )
        for row, b in gold_briefs
    )
    assert problem >= 30 and wants >= 30, (problem, wants)


def test_plain_text_stays_short_and_names_turns(gold_briefs):
    for _, made in gold_briefs:
        text = made.text()
        assert len(text.split()) <= MAX_WORDS + 30
        assert text.startswith(f"Call {made.call_id}: risk ")
        assert "Problem (turn " in text


def test_json_has_the_keys_and_item_shape(gold_briefs):
    data = json.loads(json.dumps(gold_briefs[0][1].as_dict()))
    assert {"call_id", "risk", "band", *KEYS} <= set(data)
    for name in KEYS:
        for item in data[name]:
            assert isinstance(item["turn"], int) and isinstance(item["text"], str)
    assert all("risk" in item for item in data["timeline"])


def test_timeline_risks_are_the_live_trackers(corpus):
    """The risk after each listed turn is what RiskTracker shows after that turn."""
    model = load_model()
    c = corpus["W1-001"]
    made = brief(c, model)
    tracker = RiskTracker(model, call_id=c.call_id)
    live = [tracker.add_turn(t.speaker, t.text).risk for t in c.turns]
    assert made.timeline
    for item in made.timeline:
        assert item.risk == pytest.approx(live[item.turn], abs=1e-9)
    assert made.risk == pytest.approx(float(score([c], model)["risk"][0]), abs=1e-9)


def test_latest_want_wins_and_identification_is_skipped():
    c = call(
        "want",
        ("agent", "Can I get the account number and the name on the account?"),
        ("customer", "Sure it's 4417 and it's still under Dana"),
        ("agent", "Thanks. What's going on?"),
        ("customer", "I was charged twice for the same order last week and nobody fixed it."),
        ("agent", "I can't refund that, it's our policy."),
        ("customer", "Then I want a full refund to my card."),
        ("agent", "That's not something I can do."),
        ("customer", "Fine, can you at least give me store credit instead?"),
        ("agent", "No."),
        ("customer", "Get me your supervisor."),
    )
    made = brief(c)
    assert made.problem[0].turn == 3  # not the answer to the identification question
    assert [i.turn for i in made.desired_outcome] == [7]
    assert "store credit" in made.desired_outcome[0].text
    assert {i.kind for i in made.agent_responses} == {"refused"}
    assert made.timeline[-1].turn == 9 and "supervisor_request" in made.timeline[-1].signs


@pytest.mark.parametrize(
    ("want", "later"),
    [
        ("And the refund? It was two hundred dollars.", "Can you call me back instead?"),
        ("But can't you stop the order before it ships?", "What's going on with my account?"),
        ("I was thinking like fifty off, which is less than it cost me.", "Okay. Send it where?"),
        ("Will they fix the line as well or just the pole?", "I was thinking you'd say that."),
        ("So can the fee be waived?", "I'd like to know who set this up."),
        ("I want to cancel this and get my money back.", "So do I need to ring them myself?"),
        ("Is the change fee something you could waive?", "I need to be there by Friday."),
        ("I'm asking how this gets investigated.", "Okay. Send it where?"),
        ("So set up a payment plan. A dollar a month.", "We need to be home by six."),
        ("Can they come out today instead?", "Can you transfer me to billing?"),
        ("Well, can I go on something cheaper?", "Can you give me the number for them?"),
        ("Nothing? Not even a credit for later?", "Okay. Send it where?"),
        ("Do you not do a fixed deal then?", "I'd like to know who set this up."),
        ("Or cancel it and I'll reorder?", "Is there anything you can actually do?"),
        ("Yes please do that, please open a dispute.", "Is there someone I can talk to there?"),
        ("And for my day off work yesterday?", "Okay. Send it where?"),
        ("So how do I get one then?", "Can you email it to me?"),
        ("Okay, but I don't want to pay seventy-five.", "Can I get a reference number or so?"),
        ("Is there a way to not get the late fee?", "Okay. Send it where?"),
        ("Just want to bump my plan down to the basic one.", "Is there a number for the branch?"),
        ("fine fine ill take the credit just send the label", "Okay. Send it where?"),
        ("My manager needs an invoice with the company name on it.", "Okay. Send it where?"),
        ("I need to return these boots, they're the wrong size.", "That's it. Take care."),
        ("i just wanna swap it for the blue one", "ok give me a sec ok done its blinking"),
        ("Don't you guys have a team that does deals?", "Sorry, can you say that again?"),
        ("Okay. I can pay fifty now and the rest on Friday?", "What do I need to do then?"),
        ("I was gonna ask if there's any compensation.", "Can you send me something in writing?"),
        ("And you'll make sure the old one doesn't charge me?", "Okay. Send it where?"),
        ("The shop told me to call you to open a claim.", "Okay. Send it where?"),
        ("So what about a credit?", "Is there someone I can tell that you were really quick?"),
        ("Okay. Can I also have the tracking when it ships?", "Or maybe I just put it wrong."),
        ("Ah, and can we get the bassinet seat?", "Can you tell me my right account number?"),
        ("Is possible pay little by little?", "Can you send me an email that it's done?"),
        ("So I wanted to know if I can keep the rental.", "I just want to say Ana was very good."),
        ("My wife, she wants a card also, on my account.", "How can you not see it?"),
        ("The hotel told me to call, maybe you pay for clothes?", "Okay. Send it where?"),
    ],
)
def test_wants_asked_as_questions_count_and_asks_about_the_call_do_not(want, later):
    """A want may be a question about the outcome, a proposal or a bare instruction; a later
    ask about the call itself (a call back, where to send something, a transfer, a number, a
    reference or an email copy), a plea for "anything you can do" or the customer's own plans
    ("I need to be there") is not the want."""
    c = call(
        "asks",
        ("agent", "Billing, how can I help?"),
        ("customer", "My order was charged twice and the line has been dead since Monday."),
        ("agent", "I can't do anything about that, it's our policy."),
        ("customer", want),
        ("agent", "I'm not able to, sorry."),
        ("customer", later),
        ("agent", "Okay."),
        ("customer", "Get me your supervisor."),
    )
    assert [i.turn for i in brief(c).desired_outcome] == [3]


def test_a_long_answer_to_the_opening_is_the_problem_whatever_its_words():
    c = call(
        "opening",
        ("agent", "Customer service, how can I help?"),
        (
            "customer",
            "I withdrew four hundred dollars from the machine at the gas station "
            "yesterday and no cash came out at all.",
        ),
        ("agent", "Let me look at that for you."),
        ("customer", "The money is still gone from my account this morning."),
    )
    assert brief(c).problem[0].turn == 1


def test_the_answer_to_what_can_i_help_with_is_the_problem():
    """Line noise before the agent's question is not the problem; when the agent asks again,
    the answer to the second asking is."""
    noisy = call(
        "noisy",
        ("agent", "Tech support. What's the account number?"),
        (
            "customer",
            "Hello? Sorry, you're breaking up, I can't hear you very well. I'm on the cordless.",
        ),
        ("agent", "Can you hear me now? I need the phone number on the account."),
        ("customer", "Oh, that's better. It's the home number ending four zero seven seven."),
        ("agent", "Thanks. What's happening with the service?"),
        (
            "customer",
            "Well, the internet's slow. We pay for three hundred meg and the test says twenty.",
        ),
    )
    assert 5 in [i.turn for i in brief(noisy).problem]
    again = call(
        "again",
        ("agent", "Member services, how may I help you today?"),
        ("customer", "Yes ma'am, hello. Hello? Is somebody there?"),
        ("agent", "Yes, I can hear you. How may I help you?"),
        ("customer", "I went to pick up my pills and they want a hundred and sixty-two dollars."),
    )
    assert [i.turn for i in brief(again).problem] == [3]
    # an answer that says nothing yet is not the problem: the next turn tells it
    slow = call(
        "slow",
        ("agent", "Thank you for calling the credit union, how can I help you?"),
        ("customer", "Hi um okay so I was at the fishing terminal."),
        ("agent", "Yeah. Mhm."),
        ("customer", "I was docking my boat and my card fell into the water, so I need a new one."),
    )
    assert [i.turn for i in brief(slow).problem] == [3]


def test_a_real_vendor_call_briefs_its_problem():
    """Amazon Transcribe's sample call, read by hand: the customer's card fell into the water
    (turn 3); turn 1 ("I was at fisherman's terminal") only starts the story."""
    (aws,) = read_transcripts(
        ROOT / "tests/fixtures/formats/aws_transcribe_call_analytics_example-call.json"
    )
    made = brief(aws)
    assert [i.turn for i in made.problem] == [3] and "card fell into the water" in made.problem[
        0
    ].text


def test_a_call_that_did_not_escalate_keeps_its_wants_after_a_threat():
    """Labelled as not escalated, a churn threat is not the escalation: the want said after it
    counts and the brief names no escalation turn. Unlabelled, the threat stands in for one."""
    turns = (
        ("agent", "Broadband, how can I help?"),
        ("customer", "My internet has been very slow for a week and I pay for two hundred."),
        ("agent", "That's your wifi, that's on your end."),
        ("customer", "If you cannot help me I will just cancel then, there's another company."),
        ("agent", "I can transfer you to cancellations."),
        ("customer", "No, I don't want to cancel. I want the internet working."),
    )
    kept = brief(call("kept", *turns, label=False))
    assert [i.turn for i in kept.desired_outcome] == [5] and kept.escalation_turn is None
    assert brief(call("unknown", *turns)).escalation_turn == 3


def test_without_an_ask_the_transfer_is_the_handover():
    """No labelled turn and no escalation phrase: the agent's transfer is where the call was
    handed over, so an ask after it is not the want; a transfer refused is no handover."""
    made = brief(
        call(
            "tier2",
            ("agent", "Tech support."),
            ("customer", "My internet drops every hour and this is the third call this week."),
            ("agent", "Resetting's the first step."),
            ("customer", "Can you please send a technician out this time?"),
            ("agent", "Look, I'll send you to tier two. They do the deeper stuff."),
            ("customer", "Will they have my notes? Can you send them my notes?"),
        )
    )
    assert made.escalation_turn == 4 and [i.turn for i in made.desired_outcome] == [3]
    refused = call(
        "refused",
        ("agent", "Tech support."),
        ("customer", "My internet drops every hour and this is the third call this week."),
        ("agent", "I can't transfer you to tier two, they don't take calls."),
    )
    assert brief(refused).escalation_turn is None


@pytest.mark.parametrize(
    ("offer", "reply"),
    [
        ("I'm blocking them now. Do you want the same on the other lines?", "Block all of them."),
        ("Option one: I call them right now. Does that sound okay?", "Well... yes. Call them."),
        # speech-to-text output often has no question mark: this still offers
        (
            "and i can block that merchant so april wont go through want me to do that",
            "yes please block",
        ),
    ],
)
def test_a_short_yes_to_an_agents_offer_is_not_the_want(offer, reply):
    c = call(
        "offer",
        ("agent", "Billing, how can I help?"),
        ("customer", "My bill is four hundred dollars because of game charges on my son's phone."),
        ("agent", "I can't refund those myself."),
        ("customer", "Then I want those charges taken off the bill."),
        ("agent", offer),
        ("customer", reply),
    )
    assert [i.turn for i in brief(c).desired_outcome] == [3]


def test_talk_about_the_line_is_neither_problem_nor_want():
    """'I can't hear you, say again?' holds a problem word and a request form, and is neither;
    an agent giving their own name is not asking for the customer's."""
    c = call(
        "line",
        ("agent", "Meter readings, my name is Dana. How can I be of assistance?"),
        (
            "customer",
            "Hi there, sorry, I'm out on the road so if I break up, I want to give a reading.",
        ),
        ("agent", "Certainly. May I have your account number?"),
        (
            "customer",
            "Sorry, you're cutting out there, I can't hear you at all, can you say again?",
        ),
    )
    made = brief(c)
    assert [i.turn for i in made.problem] == [1]
    assert [i.turn for i in made.desired_outcome] == [1]


def test_a_long_answer_to_an_identification_question_can_be_the_problem():
    """Asked for a claim number, the customer tells the story instead: the answer is the
    problem, and without a problem word in it the first turn with one comes too."""
    c = call(
        "story",
        ("agent", "Auto claims. Can I start with your claim number?"),
        (
            "customer",
            "You can start by telling me why nobody ever calls back. This is the third time "
            "I'm calling. I was promised a rental on Monday. It's Thursday.",
        ),
        ("agent", "I'm sorry. What's the claim number?"),
        ("customer", "A-C two one seven. The adjuster approved it and I still don't have a car."),
    )
    assert [i.turn for i in brief(c).problem] == [1, 3]


def test_a_bare_escalation_ask_is_the_want_when_nothing_else_asks():
    c = call(
        "bare",
        ("agent", "Returns, how can I help?"),
        ("customer", "I was charged for a box that burned down with my house in March."),
        ("agent", "I can't waive that here."),
        ("customer", "Understood. Is there a supervisor who can make that call?"),
    )
    assert [i.turn for i in brief(c).desired_outcome] == [3]


def test_personal_data_never_reaches_the_brief():
    c = call(
        "pii",
        ("agent", "How can I help?"),
        ("customer", "My card 4111 1111 1111 1111 was charged twice, email jo.b@example.org."),
        ("customer", "I want the charge on four one one one one one one one reversed."),
    )
    made = brief(c)
    blob = made.text() + json.dumps(made.as_dict())
    for secret in ("4111", "example.org", "four one one one"):
        assert secret not in blob
    assert "[CARD]" in blob and "[EMAIL]" in blob


def test_cli_brief_text_and_json(tmp_path):
    data = write_jsonl(tmp_path / "calls.jsonl", [as_row(CALM), as_row(ANGRY)])
    text = runner.invoke(app, ["brief", str(data), "--call-id", "angry"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Call angry: risk")
    as_json = runner.invoke(app, ["brief", str(data), "--call-id", "angry", "--json"])
    assert json.loads(as_json.output)["call_id"] == "angry"
    missing = runner.invoke(app, ["brief", str(data), "--call-id", "nope"])
    assert missing.exit_code == 1 and "call nope not found" in missing.output


def test_score_brief_column_only_for_high_calls(tmp_path):
    rows = [as_row(c) for c in read_transcripts(CORPUS / "calls-w1.jsonl")][:30]
    data = write_jsonl(tmp_path / "calls.jsonl", rows)
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(app, ["score", str(data), "-o", str(out), "--brief", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    high = [r for r in scored if r["band"] == "high"]
    assert high and len(high) < len(scored)
    assert all(r["brief"].startswith(f"Call {r['call_id']}: risk") for r in high)
    assert all(r["brief"] is None for r in scored if r["band"] != "high")
    clash = runner.invoke(app, ["score", str(data), "--brief", "--review-budget", "10%"])
    assert clash.exit_code == 2 and "--brief" in clash.output


def test_explain_shows_the_brief_on_top(tmp_path):
    data = write_jsonl(tmp_path / "calls.jsonl", [as_row(ANGRY)])
    result = runner.invoke(app, ["explain", str(data)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("Call angry: risk")
    assert lines.index(next(line for line in lines if line.strip().startswith("0 "))) > 2


def test_score_refuses_brief_with_a_review_budget():
    with pytest.raises(ValueError, match="review_budget"):
        score([ANGRY], brief=True, review_budget=0.1)


def test_hand_labels_name_customer_turns_and_no_call_twice(corpus):
    """Every labelled problem or want, in every set and in the second reader's labels, is a
    customer turn of its call, and no call is labelled in two sets (a set for judging must hold
    calls no other set tuned on). Only the unescalated sets may say a call asks for nothing."""
    document = json.loads((ROOT / "tests" / "fixtures" / "brief_gold.json").read_text())
    sets = [k for k, v in document.items() if isinstance(v, list)]
    escalated = ["calls", "held_out", "test", "test2", "test3", "test4", "test5"]
    resolved = ["resolved", "resolved2", "resolved3", "resolved4", "resolved5"]
    assert sets == [*escalated, "unresolved", *resolved]
    ids = [row["call_id"] for name in sets for row in document[name]]
    assert len(ids) == len(set(ids)) == 171 + 48 + 40 + 40 + 56 + 56 + 69 == len(corpus)
    second = json.loads((ROOT / "tests" / "fixtures" / "brief_second.json").read_text())["calls"]
    assert {row["call_id"] for row in second} == {
        row["call_id"] for name in ("test4", "test5") for row in document[name]
    }
    for name, rows in [*((name, document[name]) for name in sets), ("second", second)]:
        for row in rows:
            turns = corpus[row["call_id"]].turns
            wants = [row["desired_outcome"]] if row["desired_outcome"] is not None else []
            assert wants or name not in escalated, (name, row["call_id"])
            labelled = [row["problem"], *row["problem_also"], *wants, *row["desired_outcome_also"]]
            assert all(turns[t].role == "customer" for t in labelled), (name, row["call_id"])
