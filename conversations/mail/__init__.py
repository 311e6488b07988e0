"""Email in and out of the mailboxes.

It lives in ``conversations`` because every email is about a conversation and is written through the
conversation services: outgoing mail is an outbox row of the change that causes it (``outgoing``, built by
``compose``, sent by ``sending`` from ``conversations.tasks``), and incoming mail (``imap`` → ``parsing`` →
``ingest``) becomes conversations and threads only through ``conversation_create`` and ``thread_create``.
Its models are ``OutgoingEmail`` and ``ReceivedEmail`` (conversations) and ``MailboxFetchCursor`` (mailboxes).
"""
