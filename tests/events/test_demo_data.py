"""The demo data files: a mistake made while editing one is refused, naming the file and the key."""

import json
import re
import shutil

import pytest

from events import demo
from events.demo import DATA_DIR, FILES, DemoDataError, read_demo_data


@pytest.fixture
def data_dir(tmp_path):
    for name in FILES:
        shutil.copy(DATA_DIR / name, tmp_path)
    return tmp_path


def _edit(directory, name, change):
    path = directory / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _rename(record, old, new):
    record[new] = record.pop(old)


def test_the_shipped_files_are_the_ones_read_and_hold_the_titles_pages_pick():
    assert sorted(path.name for path in DATA_DIR.glob("*")) == sorted(FILES)
    titles = {item["title"] for item in read_demo_data()["conference_2024"]["programme"]}
    assert {demo.PANEL_REGULATORY, demo.PANEL_ACCOUNTABILITY, demo.COLLECTIVE_LEVERAGE} <= titles
    extra = {item["title"] for item in read_demo_data()["conference_demo"]["extra_sessions"]}
    assert demo.DEMO_WORKSHOP in extra


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        pytest.param(
            "conference_2024.json",
            lambda data: _rename(data["programme"][0], "title", "titel"),
            "conference_2024.json, programme[0]: unknown key 'titel'; the keys are day, start, end, title,",
            id="unknown key",
        ),
        pytest.param(
            "webinars_demo.json",
            lambda data: data["webinars"][1].pop("slug"),
            "webinars_demo.json, webinars[1]: missing key 'slug'",
            id="missing key",
        ),
        pytest.param(
            "conference_2024.json",
            lambda data: data["programme"][5].update(visibility="affiliate"),
            "conference_2024.json, programme[5], visibility: 'affiliate' is not one of public, affiliates, "
            "hidden",
            id="unknown choice",
        ),
        pytest.param(
            "webinars_2020.json",
            lambda data: data["webinars"][0].update(start="10.00"),
            "webinars_2020.json, webinars[0], start: '10.00' is not a time (9:30)",
            id="time",
        ),
        pytest.param(
            "conference_2024.json",
            lambda data: data["event"].update(first_day="6 November 2024"),
            "conference_2024.json, event, first_day: '6 November 2024' is not a date (2024-11-06)",
            id="date",
        ),
        pytest.param(
            "conference_demo.json",
            lambda data: data["speakers"][0].update(bio=["Demo speaker."]),
            "conference_demo.json, speakers[0], bio: ['Demo speaker.'] is not text",
            id="not text",
        ),
        pytest.param(
            "conference_demo.json",
            lambda data: data["sessions"][0].update(title="Welcome!"),
            "conference_demo.json, sessions[0]: no session titled 'Welcome!' in conference_2024.json",
            id="session title",
        ),
        pytest.param(
            "conference_demo.json",
            lambda data: data["sessions"][1]["speakers"][0].update(speaker="demo-speaker-four"),
            "conference_demo.json, sessions[1]: no speaker 'demo-speaker-four' in conference_demo.json, "
            "speakers",
            id="speaker",
        ),
        pytest.param(
            "conference_demo.json",
            lambda data: data["materials"][0].update(session="Keynote"),
            "conference_demo.json, materials[0]: no session titled 'Keynote' in the demo programme",
            id="material's session",
        ),
        pytest.param(
            "conference_demo.json",
            lambda data: data["materials"][0].update(kind="video"),
            "conference_demo.json, materials[0], kind: 'video' is not one of slides, document, recording",
            id="material's kind",
        ),
    ],
)
def test_a_mistake_is_refused_naming_the_file_and_the_key(data_dir, name, change, message):
    _edit(data_dir, name, change)

    with pytest.raises(DemoDataError, match=f"^{re.escape(message)}"):
        read_demo_data(data_dir)


def test_a_file_that_is_not_json_is_refused(data_dir):
    path = data_dir / "webinars_demo.json"
    path.write_text(path.read_text(encoding="utf-8").rstrip().removesuffix("}") + ",}", encoding="utf-8")

    with pytest.raises(DemoDataError, match=r"^webinars_demo\.json: not valid JSON: "):
        read_demo_data(data_dir)


def test_a_missing_file_is_refused(data_dir):
    (data_dir / "webinars_2020.json").unlink()

    with pytest.raises(DemoDataError, match=r"^webinars_2020\.json: no such file in "):
        read_demo_data(data_dir)
