from bbcopilot.config import DatasetSettings
from bbcopilot.corpus import rows_from_forum, split_of
from bbcopilot.dialogs import conversation, dialogs_from_forum


def test_opener_is_user_and_consecutive_turns_join():
    messages = conversation([("ann", "Q1"), ("ann", "more"), ("bob", "A1"), ("cid", "A2"), ("ann", "Q2")])
    assert messages == [
        {"role": "user", "content": "Q1\n\nmore"},
        {"role": "assistant", "content": "A1\n\nA2"},
        {"role": "user", "content": "Q2"},
    ]


def test_a_thread_without_an_answer_is_no_dialog():
    assert conversation([("ann", "Q1"), ("ann", "anyone?")]) is None
    assert conversation([]) is None


def test_forum_topics_keep_the_split_of_their_group():
    posts = [
        {"topic_id": 5, "post_id": 1, "author": "a", "text": "How?", "posted_at": "2020-01-01T00:00:00+03:00"},
        {"topic_id": 5, "post_id": 2, "author": "b", "text": "Like so.", "posted_at": "2020-01-02T00:00:00+03:00"},
    ]
    settings = DatasetSettings(validation_fraction=0.3, test_fraction=0.3)
    [dialog] = dialogs_from_forum(posts, settings)
    assert dialog["id"] == "forum:5" and [m["role"] for m in dialog["messages"]] == ["user", "assistant"]
    [topic] = rows_from_forum(posts)
    assert dialog["split"] == split_of(topic.group, settings), "a topic's dialog and document share a split"
    assert {split_of(f"forum:{t}", settings) for t in range(30)} == {"train", "validation", "test"}
