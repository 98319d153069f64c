"""What a customer's written message says about receiving the business's messages: an opt-out
("BAJA", "STOP", "no me escribáis más", "unsubscribe"), an opt-in ("ALTA", "START",
"subscribe"), a mere acknowledgement ("ok", "gracias", an emoji), or nothing of the kind.

Built for precision: the WHOLE message, normalised (case, accents, punctuation, emoji, repeated
spaces), must be one of the phrases below, optionally wrapped in courtesy words ("por favor",
"gracias", "please", "ok"). A phrase inside a longer sentence about something else is not
matched ("no puedo parar de toser", "baja la persiana", "stop the pain"), nor is a question about
it ("¿cómo me doy de baja?"): those reach the assistant, whose opt_out tool covers paraphrases.
Spanish and English, with Catalan and Portuguese phrases; any customer of any business.

Written by hand (no library): the rule is exact-phrase matching over a short, reviewed list, and
a fuzzy or stemming matcher would trade the precision this needs for recall the model covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from receptionist.folding import fold

Word = Literal["out", "in", "ack"]

# Longer messages are never one of the phrases (a fast exit for ordinary messages).
MAX_CHARS: Final = 80

_OUT: Final = frozenset(
    {
        # Spanish
        "baja", "de baja", "la baja", "darme de baja", "dame de baja", "dadme de baja", "denme de baja",
        "me doy de baja", "quiero darme de baja", "quiero la baja", "quiero baja", "baja de mensajes",
        "baja de los mensajes", "baja whatsapp", "stop", "no me escribais mas", "no me escribas mas",
        "no me escriban mas", "no me escribais", "no me escribais mas por aqui", "no me escribas mas por aqui",
        "dejad de escribirme", "deja de escribirme", "dejen de escribirme", "dejad de enviarme mensajes",
        "dejen de enviarme mensajes", "no quiero recibir mas mensajes", "no quiero mas mensajes",
        "no quiero recibir mensajes", "no me mandeis mas mensajes", "no me envieis mas mensajes",
        "no me manden mas mensajes", "no me envien mas mensajes", "no mas mensajes", "cancelar suscripcion",
        "anular suscripcion", "darse de baja",
        # English
        "stop all", "stopall", "stop messages", "stop messaging me", "stop texting me", "stop sending messages",
        "stop sending me messages", "unsubscribe", "unsubscribe me", "opt out", "optout", "opt me out",
        "remove me", "remove me from your list", "don t message me", "do not message me", "don t text me",
        "do not text me", "don t message me again", "do not message me again", "no more messages",
        "i don t want any more messages", "i do not want any more messages", "i don t want messages",
        "dont message me", "dont text me",
        # Catalan
        "baixa", "de baixa", "donar me de baixa", "doneu me de baixa", "vull donar me de baixa", "vull la baixa",
        "no m escriviu mes", "no m escrigueu mes", "deixeu d escriure m", "no vull rebre mes missatges",
        "no vull mes missatges",
        # Portuguese
        "sair", "descadastrar", "descadastre me", "cancelar inscricao", "cancelar assinatura",
        "nao quero mais mensagens", "nao quero receber mais mensagens", "parem de me enviar mensagens",
        "pare de me enviar mensagens", "nao me mandem mais mensagens",
    }
)  # fmt: skip

_IN: Final = frozenset(
    {
        # Spanish
        "alta", "de alta", "darme de alta", "dame de alta", "dadme de alta", "denme de alta", "me doy de alta",
        "quiero darme de alta", "quiero el alta de los mensajes", "volver a recibir mensajes",
        "quiero volver a recibir mensajes", "podeis volver a escribirme", "pueden volver a escribirme",
        # English
        "start", "unstop", "subscribe", "resubscribe", "subscribe me", "opt in", "optin", "opt me in",
        "you can message me again", "start messages",
        # Catalan
        "donar me d alta", "doneu me d alta", "vull donar me d alta", "vull tornar a rebre missatges",
        # Portuguese
        "quero voltar a receber mensagens", "voltar a receber mensagens", "reativar mensagens",
    }
)  # fmt: skip

# Courtesy around a phrase ("BAJA, por favor", "ok, stop", "Gracias. Alta"), and on its own an
# acknowledgement, which is no request for anything.
_COURTESY: Final = (
    "muchas gracias", "gracias", "por favor", "porfavor", "porfa", "vale", "ok", "okay", "okey", "de acuerdo",
    "perfecto", "entendido", "genial", "please", "pls", "plz", "thank you", "thanks", "thx", "fine", "got it",
    "alright", "si us plau", "sisplau", "moltes gracies", "gracies", "d acord", "merci", "obrigado", "obrigada",
)  # fmt: skip
# Greetings around a phrase ("Hola, baja"); on their own they open a conversation (a request).
_GREETINGS: Final = (
    "hola", "buenas", "buenos dias", "buenas tardes", "buenas noches", "hi", "hello", "hey", "bon dia", "ola",
    "bom dia", "boa tarde",
)  # fmt: skip
_EDGE_WORDS: Final = "|".join(map(re.escape, sorted((*_COURTESY, *_GREETINGS), key=len, reverse=True)))
_AT_EDGES: Final = re.compile(rf"^(?:(?:{_EDGE_WORDS})(?: |$))+|(?:(?:^| )(?:{_EDGE_WORDS}))+$")
_GREETING: Final = re.compile(rf"(?:^| )(?:{'|'.join(map(re.escape, _GREETINGS))})(?: |$)")


def normalised(text: str) -> str:
    """Lower case, no accents, letters and digits only, single spaces ("¡BAJA!!" -> "baja",
    "No me escribáis más." -> "no me escribais mas", "m'escriviu" -> "m escriviu")."""
    return " ".join("".join(c if c.isalnum() else " " for c in fold(text)).split())


def classify(text: str) -> Word | None:
    """What one written message says: "out", "in", "ack", or None (anything else: a request)."""
    if len(text) > MAX_CHARS:
        return None
    words = normalised(text)
    core = _AT_EDGES.sub("", words).strip()
    if core in _OUT:
        return "out"
    if core in _IN:
        return "in"
    if not core and not _GREETING.search(words):
        return "ack"  # only courtesy, an emoji, punctuation
    return None


@dataclass(frozen=True)
class TurnWords:
    """What a turn's messages say together. `choice`: the latest opt word of the turn ("out" or
    "in"; an opt-out in a burst wins over the other messages of it), else None. `only_acks`:
    every message is an acknowledgement (no request)."""

    choice: Literal["out", "in"] | None
    only_acks: bool


def read_turn(messages: Iterable[tuple[str, str | None]]) -> TurnWords:
    """`messages`: (kind, the customer's text) in order; only written texts ("text") can opt out
    or in, or acknowledge (a voice note, a photo, a tap are requests)."""
    said = [classify(text) if kind == "text" and text else None for kind, text in messages]
    choice: Literal["out", "in"] | None = None
    for word in said:
        if word == "out" or word == "in":
            choice = word  # the latest opt word decides
    return TurnWords(choice, bool(said) and all(word == "ack" for word in said))
