"""Requests that no project here serves: an order, a ride or trip booked, tickets or a table
bought, media played, a message or money sent, someone called.

They name things a project may also hold ("play some jazz in the kitchen", "book a taxi for 6
tomorrow morning", "call grandma"), so the words they share with an inventory or a calendar are
no evidence for it. :func:`outside_request` says which kind of request it is, from the request's
own verb and object at the start of a clause, in English, French, Spanish and German.

>>> outside_request("book me a taxi to the station at 7")
'ride'
>>> outside_request("nobody wants to cook tonight so order a pizza")
'order'
>>> outside_request("mets du jazz dans la cuisine")
'media'
>>> outside_request("schick oma eine nachricht, dass wir unterwegs sind")
'message'
>>> outside_request("turn on the porch light") is None
True
>>> outside_request("remind me to call grandma on sunday") is None
True
"""

from __future__ import annotations

import re

__all__ = [
    "INTO_CALENDAR",
    "NEW_TICKET_FIRST",
    "OUTSIDE_KINDS",
    "OUTSIDE_WHAT",
    "outside_request",
    "outside_span",
]

# where a request starts: the text's start, a clause break, or a word that gives a reason for it
# ("…, so order a pizza", "j'ai la flemme, alors commande-moi des sushis"; not "lock up and play
# some jazz", two requests, the first of them a project's); then fillers and a polite frame
_START = (
    r"(?:^|[,.;!?¡¿\u2026]\s*|\b(?:so|just|alors|donc|du coup|asi que|entonces|pues|also|"
    r"doch)\s+)"
    r"(?:(?:um+|uh+|erm|hey|ok|okay|oh|well|right|please|euh|bon|eh|oye|vale|bueno|ahm|ah|na|"
    r"bitte|por favor|s'il te plait|stp|mal)\W+)*"
    r"(?:(?:can|could|would|will) you (?:please |just )?|i need you to |i want you to |"
    r"(?:tu )?(?:peux|pourrais)(?:-tu)? |pouvez-vous |(?:me |nos )?(?:puedes|podrias) |"
    r"(?:kannst|konntest|wurdest) du (?:mal |bitte |mir |uns )*)?(?:(?:me|nous) )?"
)
# a request whose verb carries its "me"/"us" is one wherever it is said ("j'ai la flemme de
# cuisiner commande-moi des sushis", "no tengo ganas de cocinar pídeme una pizza")
_FOR_US = (
    r"\b(?:commande-(?:moi|nous)|reserve-(?:moi|nous)|appelle-(?:moi|nous)|pideme|pidenos|pedime|"
    r"pedinos|comprame|compranos|reservame|llamame|bestell (?:mir|uns)|ruf (?:mir|uns)|"
    r"buch (?:mir|uns)|order (?:me|us)|book (?:me|us)|get (?:me|us))\b"
)
_US = r"(?:[- ](?:moi|nous|me|us|mir|uns|n|ne)\b)?"
# a few words before the object ("a large pepperoni pizza", "un billet de train", "zwei Döner")
_FEW = r"(?: [\w'-]+){0,3}? "

_RIDE_THING = (
    r"(?:taxi|taxis|cab|uber|lyft|minicab|ride|train|flight|plane|hotel|airbnb|"
    r"rental car|hire car|vtc|vol|avion|billets? (?:de train|d'avion)|tgv|cabify|tren|vuelo|"
    r"billetes? de (?:tren|avion|autobus)|pasajes?)"
)
# German compounds ("Zugticket", "Hotelzimmer", "Flugtickets"); not "Zugang"
_RIDE_DE = r"(?:\w*(?:taxi|flug|hotel|fahrkarte)\w*|(?:zug|bahn|bus)(?:ticket\w*|fahrt)?|uber)\b"
_ORDER_OBJECT = (
    r"(?:a|an|some|more|new|another|two|three|four|\d{1,2}(?! ?(?:is|has|was))|pizzas?|sushi|"
    r"food|takeaway|takeout|"
    r"chinese|indian|thai|curry|dinner|lunch|groceries|un|une|des|du|de la|deux|trois|encore|"
    r"unos|unas|una|dos|tres|comida|algo|mas)\b"
)
_MEDIA_THING = (
    r"(?:music|songs?|tunes|jazz|rock|pop|blues|soul|motown|funk|reggae|classical|opera|rap|"
    r"hip hop|disco|techno|lo-?fi|carols|radio|podcasts?|audiobook|playlist|album|"
    r"spotify|the news|musique|chansons?|chants de noel|tubes|playlist|podcast|classique|deezer|"
    r"musica|cancion(?:es)?|villancicos|disco|lista de reproduccion|flamenco|salsa|reggaeton|"
    r"boleros|\w*musik|\w*lieder|horbuch|tv|telly|television|tele|fernseher|netflix|"
    r"youtube|un film|une serie|una serie|una peli|einen film)"
)
# what a home's things give ("mets un peu de chauffage", "pon algo de luz"), not music
_HOME_THING = (
    r"(?:lumiere|chauffage|chaleur|clim|luz|calefaccion|calor|aire|fresco|ambiente|ambiance|"
    r"atmosphere|stimmung)"
)
# what a ticket's news says ("call TL-63 done", "appelle le 63 terminé", "call … off"): no call
_NOT_A_TICKET = r"(?![^,.;]*\b(?:off|done|fixed|finished|termine|hecho|erledigt)\b)(?![^,.;]*\d)"
_MESSAGE_THING = (
    r"(?:message|text|texts|email|e-mail|mail|whatsapp|sms|dm|voice note|texto|courriel|mot|"
    r"mensaje|wasap|correo|audio|nachricht|textnachricht|\w*mail|sprachnachricht)"
)
_CURRENCY = (
    r"(?:\b[\w.,]+ (?:euros?|eur|dollars?|pounds?|quid|bucks|pesos?|francs?|pavos|kroner)\b|"
    r"[€$£] ?\d|\d ?[€$£]|\b(?:bizum|paypal|venmo|lydia|twint)\b)"
)

OUTSIDE_KINDS: dict[str, re.Pattern[str]] = {
    # "book me a taxi to the station", "réserve-moi un vol pour Lisbonne", "pídeme un uber",
    # "ruf mir ein Taxi", "kannst du mir ein Taxi rufen"
    "ride": re.compile(
        _START + r"(?:"
        rf"(?:book|get|call|order|grab|find|reserve|arrange){_US}{_FEW}{_RIDE_THING}\b|"
        rf"(?:reserver?|commander?|appelle|appeler|trouver?|acheter?){_US}{_FEW}{_RIDE_THING}\b|"
        rf"(?:pide|pedir|pideme|pidenos|pedime|llama(?:me|nos)? a|llamame|reserva(?:r|me|nos)?|"
        rf"pilla(?:me)?|"
        rf"coge(?:me)?|busca(?:me)?|saca(?:me|nos)?|compra(?:me|nos)?){_FEW}{_RIDE_THING}\b|"
        rf"(?:ruf|bestell|buch|reservier|hol|besorg)\w*{_US}{_FEW}{_RIDE_DE}|"
        r"(?:ein|einen|n) (?:taxi|uber)\b.{0,40}\b(?:rufen|bestellen|buchen)\b"
        rf")|{_FOR_US}{_FEW}(?:{_RIDE_THING}\b|{_RIDE_DE})"
    ),
    # tickets, seats or a table for an outing ("buy two tickets for the match", "réserve une
    # table pour quatre", "compra dos entradas", "kauf zwei Kinokarten"); not a tracker's
    # tickets ("get me tickets assigned to priya", "order tickets by priority")
    "purchase": re.compile(
        _START + r"(?:"
        r"(?:buy|book|grab|get|reserve)(?: (?:us|me))? "
        r"(?!(?:us |me )?(?:the|my|our|all|open|closed|new|old|assigned|his|her|their) )"
        r"(?:\w+ ){0,2}"
        r"(?:tickets?|seats?|a table|table for)\b(?! (?:assigned|by|with|in|for (?:tl|"
        r"the sprint)))|"
        rf"(?:reserver?|prends|acheter?|commander?){_US} (?:\w+ ){{0,3}}(?:places?|billets?|"
        rf"une table)\b|"
        r"(?:compra|reserva|pilla|coge|saca)(?:nos|me)? (?:\w+ ){0,3}(?:entradas?|mesa)\b|"
        r"hol\w* (?:uns |mir )?(?:\d+|zwei|drei|vier|funf|ein paar) (?:karten|tickets|platze)\b|"
        r"(?:kauf|buch|reservier|besorg)\w*(?: (?:uns|mir))? (?:\w+ ){0,2}"
        r"(?:\w*karten|tickets?|einen tisch|platze)\b"
        r")"
    ),
    # food or goods ordered or bought ("order us a curry", "commande des capsules", "pide
    # comida china", "bestell Batterien bei Amazon"); not "order the tickets by priority"
    "order": re.compile(
        _START + r"(?:"
        rf"(?:order|buy){_US} (?!\w+ by\b){_ORDER_OBJECT}|"
        r"get(?: (?:me|us))? (?:a |an |some )?(?:takeaway|takeout|pizza|curry|sushi|kebab|"
        r"chinese|indian|thai|food delivered|groceries)\b|"
        rf"(?:commander?|acheter?){_US} (?!de |d'|n |no |numero |\d)|"
        r"(?:pide|pedir|compra|comprar) (?!una cita\b|cita\b)(?:unos|unas|una|un|dos|tres|\d+|"
        r"comida|algo|mas|pizzas?|sushi)\b|"
        r"(?:me|nos) (?:pides|compras) |"
        # (not "bestell den Zahnarzttermin ab": cancelled)
        r"(?:bestell|bestelle|kauf|kaufe)\b(?! (?:ich|wir)\b)(?![^,.;]*\bab\b)"
        r")|\b(?:commande-(?:moi|nous)|pideme|pidenos|pedime|pedinos|comprame|compranos|"
        r"bestell (?:mir|uns)|order (?:me|us))\b(?! \w+ by\b)"
    ),
    # music or the radio played ("play some jazz in the kitchen", "put some motown on",
    # "joue du Brel", "pon música en el salón", "spiel was von Queen"); a scene or a device of
    # the home that is named is the home's (checked where its inventory is known)
    "media": re.compile(
        _START + r"(?:"
        r"(?:play|stream|shuffle)(?! ?room\b)\b"
        r"(?! (?:it (?:safe|cool)|nice|along|fair|dead|around|with fire|up|ball)\b)|"
        rf"(?:put|turn|switch)(?: on)? (?:on )?(?:some |a bit of |a little |the |my )?"
        rf"(?:\w+ )?{_MEDIA_THING}\b(?! (?:lights?|lamps?|ball|scene|mode)\b)|"
        rf"(?:jouer?|lancer?|mets|mettre|passer?){_US} (?:\w+ ){{0,3}}{_MEDIA_THING}\b|joue\b|"
        rf"mets{_US} un peu d(?:e |')(?!{_HOME_THING})|"
        rf"(?:pon|ponme|ponnos|poner|reproduce|toca)(?: \w+){{0,3}} {_MEDIA_THING}\b|reproduce\b|"
        rf"pon(?:me|nos)? algo de (?!{_HOME_THING})|"
        r"spiel\b(?! (?:am|um|gegen|ist|war|fallt|faellt|findet|fangt|beginnt|lauft|geht)\b)|"
        rf"mach (?:\w+ ){{0,3}}{_MEDIA_THING}\w*(?: \w+){{0,3}} an\b"
        r")"
    ),
    # a message or an e-mail sent ("text Sam that I'm late", "envoie un texto à ma sœur",
    # "mándale un mensaje a Lucía", "schick Oma eine Nachricht")
    "message": re.compile(
        _START + r"(?:"
        rf"(?:send|write|drop)(?: \w+){{0,2}} (?:a|an) {_MESSAGE_THING}\b|"
        # a message said ("text Sam that I'm late", "email the landlord about the boiler"; not
        # "email notifications are broken, file a bug", nor a ticket's news told to someone:
        # "tell marco that the login bug is fixed" sets the ticket)
        r"(?:text|whatsapp|sms|e-?mail|message|dm) (?!me\b|(?:the )?(?:team|channel)\b)"
        r"(?:\w+ ){1,3}?(?:that|saying|to say|about|asking|and (?:say|tell|ask)|happy|i'?m|"
        r"we'?re|i'?ll|we'?ll|im)\b|"
        rf"(?:envoie|envoyer|ecris|ecrire|laisse){_US}(?: \w+){{0,2}} (?:un |"
        rf"une )?{_MESSAGE_THING}\b|"
        r"ecris(?:[- ](?:lui|leur))? (?:a|au|aux) \w+|"
        rf"(?:manda|envia|escribe|deja)(?:le|les|me)?(?: \w+){{0,2}} (?:un|una) "
        rf"{_MESSAGE_THING}\b|"
        r"escribele(?:s)? a \w+|"
        # (not "schreib den E-Mail-Bug für Marco auf", "schreib auf, dass …": noted)
        rf"(?:schick|schreib)\w*(?! auf\b)(?: \w+){{0,3}} (?:eine |ne |n )?{_MESSAGE_THING}\b"
        r"(?![^,.;]*\bauf\b)|"
        r"schreib (?!mir|uns)\w+(?: \w+)?,? dass\b"
        r")"
    ),
    # money sent ("send paul 30 euros", "vire 50 euros à Marc", "hazle un bizum a Ruth",
    # "überweis Max 40 Euro")
    "money": re.compile(
        _START + r"(?:"
        rf"(?:send|transfer|pay|wire|venmo|give){_US}(?: [\w.,]+){{0,4}} ?{_CURRENCY}|"
        rf"(?:envoie|envoyer|vire|virer|paie|paye|payer|transfere|fais un virement|"
        rf"rembourse){_US}(?: [\w.,]+){{0,4}}"
        rf" ?{_CURRENCY}|"
        rf"(?:envia|manda|transfiere|paga|haz|hazle|devuelve)(?:le|les|me)?(?: [\w.,]+){{0,4}}"
        rf" ?{_CURRENCY}|"
        rf"(?:uberweis|uberweise|schick|zahl|bezahl|bezahle|send|sende)\b(?: [\w.,]+){{0,4}} ?"
        rf"{_CURRENCY}"
        r")"
    ),
    # someone called ("call grandma", "ring the dentist", "appelle le plombier", "llama a mi
    # madre", "ruf meine Schwester an"); not a meeting called off, nor a thing's name
    "call": re.compile(
        _START + r"(?:"
        # (not "call the meeting with marco off", "call TL-63 done", "phone died, …")
        rf"(?:call|ring|facetime)(?: up)? (?!it\b|that\b|this\b|stack|buffer|button|center|"
        rf"centre|log|history){_NOT_A_TICKET}\w+|"
        r"phone (?:up |back )?(?:my|the|our|your|his|her|mum|mom|dad|grandma|grandpa|granny|"
        r"nan|home|him|them)\b|"
        rf"(?:appelle|appeler) (?!-?moi un|-?nous un|ca\b|cela\b|ceci\b){_NOT_A_TICKET}\w+|"
        r"telephone a\b|"
        r"passe un (?:coup de fil|"
        r"appel) a\b|"
        rf"(?:llama|llamale|telefonea) (?:a|al)\b(?! (?:un|una) ){_NOT_A_TICKET}|"
        rf"ruf (?!(?:mir|uns) (?:ein|einen|n)\b){_NOT_A_TICKET}(?:\w+ ){{0,3}}an\b|"
        r"telefonier\w* mit\b|"
        r"(?:\w+ ){1,3}anrufen\W*$"
        r")"
    ),
    # a chore done by hand ("take the dog out", "fais la vaisselle", "friega los platos",
    # "kannst du die Wäsche aufhängen"): a named thing of the home is the home's (a robot
    # vacuum), checked where its inventory is known
    "chore": re.compile(
        _START + r"(?:"
        r"(?:walk|feed|take|bring) (?:\w+ )?(?:the |our |my )?dog\b|"
        r"(?:do|wash|load|unload|empty) (?:the |all the )?(?:dishes|washing up|laundry|ironing|"
        r"hoovering|vacuuming|dishwasher)\b|hang (?:out |up )?(?:the )?(?:washing|laundry)\b|"
        r"take (?:out )?the (?:bins|rubbish|trash|garbage|recycling)\b|mow the lawn\b|"
        r"(?:cook|make) (?:me |us )?(?:dinner|lunch|breakfast|a sandwich)\b|"
        r"(?:aller )?(?:promener?|sortir?|sors|nourrir?|nourris) (?:le |notre )?chien\b|"
        r"(?:faire?|fais) (?:la |le )?(?:vaisselle|menage|lessive|repassage|cuisine|courses)\b|"
        r"(?:etendre?|etends) (?:le )?linge\b|(?:sortir?|sors|descends) les poubelles\b|"
        r"(?:tondre?|tonds) la pelouse\b|(?:preparer?) (?:le |un )?(?:diner|dejeuner|repas)\b|"
        r"(?:friega|fregar|lava|lavar) (?:los )?(?:platos|cacharros)\b|"
        r"(?:pasea|pasear|saca|sacar) al perro\b|(?:tiende|tender) la ropa\b|"
        r"(?:haz|hacer) la (?:colada|compra|comida|cena)\b|(?:saca|sacar|baja|bajar) la basura\b|"
        r"(?:corta|cortar) el cesped\b|(?:plancha|planchar) la ropa\b|"
        r"(?:geh|gehen) (?:\w+ )?mit dem hund\b|gassi\b|(?:\w+ )?hund ausfuhren\b|"
        r"fuhr (?:den|unseren) hund aus\b|(?:die )?wasche (?:\w+ )?(?:aufhangen|waschen|machen)\b|"
        r"hang (?:die )?wasche auf\b|(?:spul|wasch) (?:das )?geschirr\b|geschirr spulen\b|"
        r"(?:das )?geschirr (?:ab)?waschen\b|bring (?:den )?mull raus\b|mull rausbringen\b|"
        r"(?:rasen mahen|mah den rasen)\b|(?:koch|kochen) (?:uns |mir )?(?:\w+ )?(?:abend)?essen\b"
        r")"
    ),
}
# something of it goes into the calendar ("book a table for friday at 8 and put it in the
# calendar", "… y apúntalo"), or it is what a reminder is about ("remind me to call grandma",
# "ponme un recordatorio para llamar al fontanero")
INTO_CALENDAR = re.compile(
    r"\b(?:calendar|calendrier|agenda|calendario|kalender|remind|reminder|rappel\w*|"
    r"recordatorio|recuerdame|acuerdame|erinner\w*|eintrag\w*)\b|"
    r"\b(?:and|et|y|und) (?:(?:put|add|note|write) (?:it|that|this|them)\b|"
    r"(?:mets|ajoute|note|ecris)-(?:le|la|les)\b|(?:apunt|anot|pon|agreg|anad)\w*(?:lo|la|los|"
    r"las)\b|"
    r"(?:trag|notier|schreib)\w* (?:\w+ ){0,3}ein\b|notier)"
)


def outside_span(folded: str) -> tuple[str, int, int] | None:
    """:func:`outside_request`'s kind, with where its request starts and ends (at the end of
    its clause), or None."""
    if INTO_CALENDAR.search(folded) or _NEW_TICKET.search(folded):
        return None
    for kind, pattern in OUTSIDE_KINDS.items():
        found = pattern.search(folded)
        if found is not None:
            end = _CLAUSE_END.search(folded, found.end())
            return kind, found.start(), end.start() if end else len(folded)
    return None


# a ticket filed, whose title may say anything ("create a ticket: call button does nothing",
# "Zahlungen über 50 Euro schlagen fehl, leg ein Ticket an")
_NEW_TICKET = re.compile(
    r"\b(?:create|file|open|add|log|raise|report|ouvre|cree|crea|abre|anade|leg|erstell|"
    r"eroffne|mach)\w* (?:a |an |un |une |el |un |ein |einen |ne )?(?:new |nouveau |nuevo |"
    r"neues |neuen )?(?:ticket|bug|issue)\b|\b(?:ticket|bug|issue)\w* (?:an|auf)\b"
)
# a new ticket asked for first ("create a ticket: …", "ouvre un bug : …", "leg ein Ticket an:
# …"): what follows is its title
NEW_TICKET_FIRST = re.compile(
    r"\W*(?:(?:please|can you|could you|peux-tu|tu peux|puedes|kannst du|bitte|ok|so|hey)\W+)*"
    r"(?:" + _NEW_TICKET.pattern + r")"
)
_CLAUSE_END = re.compile(r"[,;.!?\u2026]|\s(?:and|et|y|und|then|puis|luego|dann)\s")


def outside_request(folded: str) -> str | None:
    """The kind of out-of-scope request ``folded`` (a :func:`~processors.language.fold`-ed
    text) makes, or None: ``ride``, ``purchase``, ``order``, ``media``, ``message``, ``money``,
    ``call`` or ``chore``. A request that puts something in the calendar or a reminder is not
    one.

    >>> outside_request("envoie 20 euros à Julie")
    'money'
    >>> outside_request("ruf den Klempner an")
    'call'
    """
    found = outside_span(folded)
    return found[0] if found else None


# what each kind of request is, as a reply names it ("I can't do that here: payments are
# outside your projects")
OUTSIDE_WHAT: dict[str, dict[str, str]] = {
    "ride": {
        "en": "rides and trips",
        "fr": "les trajets et les voyages",
        "es": "los viajes y los traslados",
        "de": "Fahrten und Reisen",
    },
    "purchase": {
        "en": "tickets and reservations",
        "fr": "les billets et les réservations",
        "es": "las entradas y las reservas",
        "de": "Tickets und Reservierungen",
    },
    "order": {
        "en": "orders and shopping",
        "fr": "les commandes et les achats",
        "es": "los pedidos y las compras",
        "de": "Bestellungen und Einkäufe",
    },
    "media": {
        "en": "music and media",
        "fr": "la musique et les médias",
        "es": "la música y los medios",
        "de": "Musik und Medien",
    },
    "message": {
        "en": "messages",
        "fr": "les messages",
        "es": "los mensajes",
        "de": "Nachrichten",
    },
    "money": {
        "en": "payments",
        "fr": "les paiements",
        "es": "los pagos",
        "de": "Zahlungen",
    },
    "call": {
        "en": "phone calls",
        "fr": "les appels",
        "es": "las llamadas",
        "de": "Anrufe",
    },
    "chore": {
        "en": "chores by hand",
        "fr": "les tâches ménagères",
        "es": "las tareas de la casa",
        "de": "Hausarbeiten",
    },
}
