"""Call-log timelines (``pc.calls_timeline``) and the sentiment judges (``parallel_course.judges``)."""

import pandas as pd
import pytest
from langchain_core.runnables import RunnableParallel

import parallel_course as pc
from parallel_course.judges import JUDGES, closing_sentiment, defect_sentiment, opinion_score
from parallel_course.timeline import CALL_COLUMNS as TIMELINE_COLUMNS
from parallel_course.timeline import calls_timeline

pytestmark = pytest.mark.usefixtures("real_time")


def test_calls_timeline_rows_labels_and_origin(make_fake):
    fast, slow = make_fake(name="fast", latency=0.2), make_fake(name="slow", latency=0.3)
    with pc.gate(4, fast, slow):  # all four calls wait together: they overlap, whatever the load
        RunnableParallel(a=fast, b=slow).batch(["x", "y"])
    frame = calls_timeline(fast, slow)
    assert list(frame.columns) == TIMELINE_COLUMNS
    assert len(frame) == 4
    assert sorted(frame["branch"]) == ["fast 1", "fast 2", "slow 1", "slow 2"]
    assert frame["start"].min() == 0.0
    assert frame["start"].is_monotonic_increasing
    assert (frame["duration"] >= 0.2 * 0.9).all()
    assert pc.peak_concurrency(frame) == fast.peak_in_flight + slow.peak_in_flight == 4
    assert set(frame["status"]) == {"ok"}
    assert len(pc.plot_timeline(frame).axes[0].patches) == 4  # one bar per call


def test_calls_timeline_t0_shifts_times(make_fake):
    model = make_fake(name="m")
    model.invoke("hi")
    start = model.call_log()["start"].iloc[0]
    frame = calls_timeline(model, t0=start - 1.0)
    assert frame["start"].iloc[0] == pytest.approx(1.0)


def test_calls_timeline_custom_labels(make_fake):
    model = make_fake(name="m")
    model.batch(["first prompt", "second prompt"])
    frame = calls_timeline(model, label=lambda call: f"{call['model']}: {call['prompt'].split()[0]}")
    assert sorted(frame["branch"]) == ["m: first", "m: second"]
    with pytest.raises(ValueError, match="label"):
        calls_timeline(model, label="not a function")


def test_calls_timeline_marks_failed_calls(make_fake):
    model = make_fake(name="m", failure=pc.fail_always())
    with pytest.raises(pc.RateLimitError):
        model.invoke("hi")
    assert list(calls_timeline(model)["status"]) == ["error"]


def test_calls_timeline_empty_and_bad_parameters(make_fake):
    empty = calls_timeline(make_fake())
    assert empty.empty and list(empty.columns) == TIMELINE_COLUMNS
    with pytest.raises(ValueError, match="models"):
        calls_timeline()
    with pytest.raises(ValueError, match="models"):
        calls_timeline(object())


def test_opinion_score_handles_negation():
    assert opinion_score("good and fast") == 2
    assert opinion_score("not good") == -1
    assert opinion_score("not good", negation=False) == 1
    assert opinion_score("I would not recommend it") == -1


def test_closing_sentiment_reads_the_last_opinion():
    assert closing_sentiment("Great look, bright light. Then it stopped. Sending it back.") == "negative"
    assert closing_sentiment("It was flimsy. Now it is great.") == "positive"
    assert closing_sentiment("No opinion words here.") == "positive"
    # the payload (longest paragraph) is judged, not the instructions
    assert closing_sentiment("Is this bad?\n\nI love it, really great and sturdy.") == "positive"


def test_defect_sentiment_finds_reports_of_defects():
    assert defect_sentiment("Lovely design, but the handle broke.") == "negative"
    assert defect_sentiment("I am sending it back.") == "negative"
    assert defect_sentiment("Nothing has cracked so far.") == "positive"
    assert defect_sentiment("Works well every day.") == "positive"


def test_judges_on_the_course_reviews():
    reviews = pc.load_reviews()
    votes = pd.DataFrame({name: [judge(t) for t in reviews["text"]] for name, judge in JUDGES.items()})
    correct = votes.eq(reviews["label"], axis=0)
    # notebook 05 teaches these numbers
    assert correct.sum().to_dict() == {"lexicon": 34, "closing": 37, "defects": 35}
    majority = votes.mode(axis=1)[0]
    assert (majority == reviews["label"]).sum() == 36
    assert list(reviews.loc[majority != reviews["label"], "id"]) == [11, 16, 21, 32]
