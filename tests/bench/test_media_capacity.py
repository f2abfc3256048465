"""The capacity benchmark's video arithmetic (bench/media_capacity.py): the viewer streams a
room should have, and the cost per camera and per viewer stream from two focus runs."""

from __future__ import annotations

from bench.media_capacity import expected_viewer_streams, focus_split


def test_the_viewer_streams_a_room_should_have() -> None:
    # Twelve people, three cameras (the facilitator's and two participants'): in focus mode
    # everyone sees the facilitator and the facilitator sees the two; with it off (and their
    # yes) everyone sees every camera but their own.
    assert expected_viewer_streams(12, 3, focus_off=False, slots=4) == 11 + 2
    assert expected_viewer_streams(12, 3, focus_off=True, slots=4) == 3 * 11
    assert expected_viewer_streams(3, 2, focus_off=True, slots=4) == 4
    assert expected_viewer_streams(12, 0, focus_off=True, slots=4) == 0
    # More cameras than slots: each sees at most four.
    assert expected_viewer_streams(8, 8, focus_off=True, slots=4) == 8 * 4


def test_two_focus_runs_give_the_cost_per_camera_and_per_viewer_stream_apart() -> None:
    def run(streams: int, extra: float) -> dict[str, object]:
        return {"rooms": 4, "size": 12,
                "video": {"cameras_per_room": 3, "viewer_streams": streams,
                          "cost": {"extra_cores": extra}}}

    # 12 cameras at 5 % and 0.1 % a stream: 52 and 132 streams.
    split = focus_split(run(52, 0.6 + 0.052), run(132, 0.6 + 0.132))
    assert split is not None
    assert abs(split["per_camera_cores"] - 0.05) < 1e-4
    assert abs(split["per_viewer_stream_cores"] - 0.001) < 1e-6
