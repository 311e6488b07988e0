"""What the letters mean, in words, for the agent UI."""

from presence.models import LETTERS, OFFLINE

LETTER_NAMES = {"M": "Messages", "P": "Phone", "R": "Read only", "T": "Chat"}
assert set(LETTER_NAMES) == set(LETTERS)


def status_label(letters: str) -> str:
    """ "Messages, Chat"; "Offline" for F."""
    if letters == OFFLINE:
        return "Offline"
    return ", ".join(LETTER_NAMES[letter] for letter in LETTERS if letter in letters)
