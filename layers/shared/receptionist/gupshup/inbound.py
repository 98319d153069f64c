"""Gupshup v2 callbacks (what its subscription POSTs to the webhook), as pydantic models.

Envelope: {"app", "timestamp", "version", "type", "payload"}; `type` says what `payload` is:

- "message": a customer wrote. payload {id, source, type, payload, sender, context?}, where the
  inner `type` is text, image, audio, video, file, sticker, location, contact, button_reply,
  quick_reply or list_reply and the inner `payload` its content.
- "message-event": a delivery state of a message we sent. payload {id, gsId?, type, destination,
  payload?}; type enqueued, failed, sent, delivered, read or deleted.
- "user-event": payload {phone, type}; type opted-in, opted-out or sandbox-start.
- anything else (billing-event, future types): acknowledged and ignored.

Liberal in what it accepts: for a customer's message only the envelope (app, type), the message
id and the customer's number must be valid; every other field is optional and an unexpected one
is ignored (Gupshup adds fields over time, and real callbacks leave some out: media without
`contentType`, a timestamp missing). What is missing is inferred later (the kind from the message
type, the content type from the download), so a photo or voice note is never refused. The
customer's number must be 6 to 15 digits (a leading "+" is dropped): it keys the conversation.
Ids are opaque strings (old "ABEG..." and "wamid.HBg..." forms both occur). Models validate by
Gupshup's field names and by ours, and serialize with Gupshup's, so a stored message parses
again with the same models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, TypeAlias, cast, get_args

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

# -- scalar shapes ------------------------------------------------------------------------------
# Ids are opaque; bounded so a buffered item's key stays far below DynamoDB's 1 KB sort key limit.
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=512)]
# App names and customer numbers become parts of "<app>#<number>" keys: no "#", no whitespace.
AppName = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^#\s]+$")]
Address = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^#\s]+$")]
EpochMillis = Annotated[int, Field(ge=0)]


def _digits_only(value: Any) -> Any:
    return value.strip().removeprefix("+") if isinstance(value, str) else value


def _or_none(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """An optional field of the wrong shape reads as missing: it never costs the message."""
    try:
        return handler(value)
    except ValidationError:
        return None


OptionalText = Annotated[str | None, WrapValidator(_or_none)]
OptionalNumber = Annotated[float | None, WrapValidator(_or_none)]
OptionalInt = Annotated[int | None, WrapValidator(_or_none)]

# A customer's WhatsApp number: E.164 digits, 6 to 15 of them.
CustomerNumber = Annotated[str, BeforeValidator(_digits_only), StringConstraints(pattern=r"^[0-9]{6,15}$")]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        # Gupshup sends numbers as strings; tolerate the odd unquoted one.
        coerce_numbers_to_str=True,
    )


# -- envelope -----------------------------------------------------------------------------------
class Envelope(_Model):
    app: AppName
    timestamp: EpochMillis | None = None  # when Gupshup received the event (the webhook's clock if absent)
    version: int | None = None  # 2 for these callbacks
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    payload: dict[str, Any]


# -- "message" ----------------------------------------------------------------------------------
class SenderProfile(_Model):
    phone: str | None = None  # the same number as `source`, which is the one checked
    name: str | None = None
    country_code: str | None = None
    dial_code: str | None = None


class Context(_Model):
    """Present when the customer replied to one of our messages."""

    id: str | None = None  # WhatsApp id of the message replied to
    gs_id: str | None = Field(default=None, alias="gsId")  # its Gupshup id


class TextContent(_Model):
    text: OptionalText = None


class MediaContent(_Model):
    """image, audio, video, file, sticker. The URL expires (urlExpiry, epoch ms; about 7 days).
    Every field may be missing: the processor reads what it can and says what it could not."""

    url: OptionalText = None
    content_type: OptionalText = Field(
        default=None,
        validation_alias=AliasChoices("contentType", "content-type", "content_type"),
        serialization_alias="contentType",
    )
    url_expiry: OptionalInt = Field(default=None, alias="urlExpiry")
    caption: OptionalText = None
    name: OptionalText = None  # file name, for documents


class LocationContent(_Model):
    latitude: OptionalNumber = None
    longitude: OptionalNumber = None
    name: OptionalText = None
    address: OptionalText = None
    url: OptionalText = None


class ContactContent(_Model):
    contacts: Annotated[list[dict[str, Any]] | None, WrapValidator(_or_none)] = None  # vCard-like cards


class ReplyContent(_Model):
    """button_reply, quick_reply, list_reply: the option the customer picked.

    Interactive replies carry title/id/reply (+ postbackText, description for lists); a quick
    reply button of a template carries text/type. Whatever the variant, the processor reads
    what it can.
    """

    title: OptionalText = None
    id: OptionalText = None
    reply: OptionalText = None
    postback_text: OptionalText = Field(default=None, alias="postbackText")
    description: OptionalText = None
    text: OptionalText = None
    type: OptionalText = None


class _InboundMessage(_Model):
    id: MessageId
    source: CustomerNumber  # the customer's number (E.164 digits)
    sender: SenderProfile | None = None
    context: Context | None = None

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # `source` and `sender.phone` are the same number; accept either.
        sender = data.get("sender")
        if "source" not in data and isinstance(sender, dict) and "phone" in sender:
            data["source"] = sender["phone"]
        # A sender block we cannot read is not a reason to lose the message.
        if sender is not None and not isinstance(sender, dict):
            data.pop("sender")
        if "context" in data and not isinstance(data["context"], dict):
            data.pop("context")
        # The content, whatever shape it came in: a bare string is a text, anything else empty.
        content = data.get("payload")
        if not isinstance(content, dict):
            data["payload"] = {"text": content} if isinstance(content, str) else {}
        return data


class TextMessage(_InboundMessage):
    type: Literal["text"]
    payload: TextContent


class MediaMessage(_InboundMessage):
    type: Literal["image", "audio", "video", "file", "sticker"]
    payload: MediaContent


class LocationMessage(_InboundMessage):
    type: Literal["location"]
    payload: LocationContent


class ContactMessage(_InboundMessage):
    type: Literal["contact"]
    payload: ContactContent


class ReplyMessage(_InboundMessage):
    type: Literal["button_reply", "quick_reply", "list_reply"]
    payload: ReplyContent


InboundMessage: TypeAlias = Annotated[
    TextMessage | MediaMessage | LocationMessage | ContactMessage | ReplyMessage,
    Field(discriminator="type"),
]
MESSAGE_TYPES: Final[frozenset[str]] = frozenset(
    t
    for model in (TextMessage, MediaMessage, LocationMessage, ContactMessage, ReplyMessage)
    for t in get_args(model.model_fields["type"].annotation)
)
_MESSAGE: Final[TypeAdapter[InboundMessage]] = TypeAdapter(InboundMessage)


def parse_message(data: str | bytes) -> InboundMessage:
    """A stored message (the JSON the webhook buffered) back into its model."""
    return _MESSAGE.validate_json(data)


# -- "message-event" ----------------------------------------------------------------------------
StatusType = Literal["enqueued", "failed", "sent", "delivered", "read", "deleted"]
STATUS_TYPES: Final[frozenset[str]] = frozenset(get_args(StatusType))


class MessageEventDetails(_Model):
    ts: int | None = None  # sent/delivered/read: epoch seconds
    code: str | None = None  # failed
    reason: str | None = None  # failed
    whatsapp_message_id: str | None = Field(default=None, alias="whatsappMessageId")  # enqueued
    type: str | None = None  # enqueued: session | template


class MessageEvent(_Model):
    id: MessageId  # Gupshup id (enqueued, failed) or WhatsApp id (sent, delivered, read)
    gs_id: str | None = Field(default=None, alias="gsId")
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    destination: Address
    payload: MessageEventDetails | None = None


# -- "user-event" -------------------------------------------------------------------------------
class UserEventPayload(_Model):
    # Usually the customer's number; "callbackSetPhone" for the sandbox-start on setting a URL.
    phone: Address
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]


# -- parsing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MessageCallback:
    envelope: Envelope
    message: InboundMessage


@dataclass(frozen=True)
class StatusCallback:
    envelope: Envelope
    event: MessageEvent

    @property
    def status(self) -> StatusType:
        return cast(StatusType, self.event.type)


@dataclass(frozen=True)
class UserEventCallback:
    envelope: Envelope
    phone: str
    event: Literal["opted-in", "opted-out"]


@dataclass(frozen=True)
class IgnoredCallback:
    """Well-formed, but nothing for us to do. `kind` is a bounded label for metrics."""

    envelope: Envelope
    reason: str
    kind: str
    detail: str | None = None  # e.g. the unsupported type's name, for the log


Callback = MessageCallback | StatusCallback | UserEventCallback | IgnoredCallback

# Envelope types Gupshup documents that we deliberately ignore (named in metrics as themselves).
_KNOWN_IGNORED: Final[frozenset[str]] = frozenset({"billing-event"})


class CallbackError(ValueError):
    """The body is not a Gupshup v2 callback. `reason`: malformed_json | invalid_payload."""

    def __init__(self, reason: Literal["malformed_json", "invalid_payload"], detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def app_of(body: bytes | str) -> str | None:
    """The app a callback says it is for, if the body is a JSON object with a string `app` (read
    before anything else, to pick the secret to check); None otherwise. Never raises."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    app = data.get("app") if isinstance(data, dict) else None
    return app if isinstance(app, str) and app else None


def parse_callback(body: bytes | str) -> Callback:
    """Parse one callback body. Raises CallbackError; never anything else for any input."""
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise CallbackError("malformed_json", describe(exc)) from None
        raise CallbackError("invalid_payload", describe(exc)) from None
    try:
        return _dispatch(envelope)
    except ValidationError as exc:
        raise CallbackError("invalid_payload", describe(exc, prefix=("payload",))) from None


def _dispatch(envelope: Envelope) -> Callback:
    payload = envelope.payload
    if envelope.type == "message":
        kind = payload.get("type")
        if kind is not None and not isinstance(kind, str):
            # pydantic's tag error would quote the value; say it without it.
            raise CallbackError("invalid_payload", "payload.type: Input should be a valid string")
        if kind is None:  # nothing says what it is: counted (and alarmed) like an unsupported type
            return IgnoredCallback(envelope, "unsupported_message_type", "unsupported", detail="(no type)")
        if kind not in MESSAGE_TYPES:
            return IgnoredCallback(envelope, "unsupported_message_type", "unsupported", detail=kind[:64])
        return MessageCallback(envelope, _MESSAGE.validate_python(payload))
    if envelope.type == "message-event":
        event = MessageEvent.model_validate(payload)
        if event.type not in STATUS_TYPES:
            return IgnoredCallback(envelope, "unknown_status", "unknown", detail=event.type)
        return StatusCallback(envelope, event)
    if envelope.type == "user-event":
        user = UserEventPayload.model_validate(payload)
        if user.type == "opted-in":
            return UserEventCallback(envelope, user.phone, "opted-in")
        if user.type == "opted-out":
            return UserEventCallback(envelope, user.phone, "opted-out")
        if user.type == "sandbox-start":
            return IgnoredCallback(envelope, "sandbox_start", "sandbox-start")
        return IgnoredCallback(envelope, "unknown_user_event", "unknown", detail=user.type)
    if envelope.type in _KNOWN_IGNORED:
        return IgnoredCallback(envelope, "unhandled_type", envelope.type)
    return IgnoredCallback(envelope, "unknown_type", "unknown", detail=envelope.type)


def describe(exc: ValidationError, prefix: tuple[str, ...] = (), limit: int = 3) -> str:
    """Where and what, never the offending values (they may be a customer's text or number)."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    parts = []
    for err in errors[:limit]:
        loc = ".".join(str(p) for p in (*prefix, *err["loc"])) or "body"
        parts.append(f"{loc}: {err['msg']}")
    if len(errors) > limit:
        parts.append(f"(+{len(errors) - limit} more)")
    return "; ".join(parts)
