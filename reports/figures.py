"""A conversation's facts, derived from what its threads record (reference §4.5):

- created: one, when the conversation starts, to the agent who created it (none for a customer's);
- incoming: every published customer message;
- answer: every published agent reply (email or chat), to its author;
- new answer time: the first answer to a conversation a customer started, seconds since it started;
- next answer time: a later answer given while a customer message waits, seconds since the first message of
  the wait (an agent's own first message opens no wait);
- note: every published note, to its author (none: System);
- resolved: every change into closed (a status line item, or a reply that closed it), to whoever did it;
  first resolve time: the first of them, seconds since the conversation started;
- first assign time: the first thread recorded while the conversation had an assignee, seconds since it
  started, to that assignee.

Facts are dated at the event that completes them (the reply, the closing, the assignment). A conversation in
Drafts, Deleted or Spam has no facts: it is no ticket. Mailbox, channel and tags are the conversation's
current ones, so a report of a department shows the work on the conversations it holds."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from conversations.models import Conversation, ConversationState, SourceType, SourceVia, Status, Thread, ThreadState
from reports.models import Channel, FactKind


@dataclass(frozen=True)
class Fact:
    kind: int
    at: datetime
    agent_id: int
    mailbox_id: int
    channel: str
    seconds: int = 0


def channel_of(conversation: Conversation) -> str:
    if conversation.type == Conversation.Type.CHAT:
        return Channel.CHAT
    if conversation.type == Conversation.Type.PHONE:
        return Channel.PHONE
    if conversation.source_type == SourceType.WEB and conversation.source_via == SourceVia.CUSTOMER:
        return Channel.WEB_FORM
    return Channel.EMAIL


def counts(conversation: Conversation) -> bool:
    return conversation.state == ConversationState.PUBLISHED and conversation.status != Status.SPAM


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def facts_of(conversation: Conversation, threads: Iterable[Thread]) -> list[Fact]:
    """``threads``: all of the conversation's threads, in any order."""
    if not counts(conversation):
        return []
    mailbox_id, channel, started = conversation.mailbox_id, channel_of(conversation), conversation.created_at
    facts = [Fact(FactKind.CREATED, started, conversation.created_by_user_id or 0, mailbox_id, channel)]

    def fact(kind: int, at: datetime, agent_id: int | None, seconds: int = 0) -> None:
        facts.append(Fact(kind, at, agent_id or 0, mailbox_id, channel, seconds))

    ordered: Sequence[Thread] = sorted(
        (t for t in threads if t.state != ThreadState.DRAFT), key=lambda t: (t.created_at, t.pk)
    )
    # An agent-started conversation has been "answered" by its own first message.
    answered = conversation.created_by_user_id is not None
    waiting_since: datetime | None = None
    status: str = Status.ACTIVE
    resolved_once = assigned_once = False
    for thread in ordered:
        published = thread.state == ThreadState.PUBLISHED
        from_customer = thread.source_via == SourceVia.CUSTOMER
        if published and thread.type in Thread.MESSAGE_TYPES:
            if from_customer:
                fact(FactKind.INCOMING, thread.created_at, None)
                if answered and waiting_since is None:
                    waiting_since = thread.created_at
            else:
                fact(FactKind.ANSWER, thread.created_at, thread.created_by_user_id)
                if not answered:
                    fact(
                        FactKind.NEW_ANSWER,
                        thread.created_at,
                        thread.created_by_user_id,
                        _seconds(started, thread.created_at),
                    )
                elif waiting_since is not None:
                    fact(
                        FactKind.NEXT_ANSWER,
                        thread.created_at,
                        thread.created_by_user_id,
                        _seconds(waiting_since, thread.created_at),
                    )
                answered, waiting_since = True, None
        elif published and thread.type == Thread.Type.NOTE:
            fact(FactKind.NOTE, thread.created_at, thread.created_by_user_id)
        if thread.assigned_to_id is not None and not assigned_once:
            assigned_once = True
            fact(FactKind.FIRST_ASSIGN, thread.created_at, thread.assigned_to_id, _seconds(started, thread.created_at))
        if thread.status != Thread.Status.NOCHANGE and thread.status != status:
            status = thread.status
            if status == Status.CLOSED:
                fact(FactKind.RESOLVED, thread.created_at, thread.created_by_user_id)
                if not resolved_once:
                    resolved_once = True
                    fact(
                        FactKind.FIRST_RESOLVE,
                        thread.created_at,
                        thread.created_by_user_id,
                        _seconds(started, thread.created_at),
                    )
    return facts
