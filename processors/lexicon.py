"""A small multilingual lexicon: French, Spanish and German words for the things homes,
trackers and calendars name, folded to one English word each.

Inventory matching maps both the names in a project's state and the words of an utterance
through it, so an inventory written in English answers "le plafonnier de la chambre" and
"die Deckenlampe im Schlafzimmer" (German compounds are split on known parts).

>>> canonical("plafonnier"), canonical("deckenlampe")
('ceiling light', 'ceiling lamp')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

from processors.glossary import GLOSSARY

# English word → its words in French, Spanish and German (folded: lower case, no accents).
_GROUPS: dict[str, str] = {
    # things and parts of a home
    "light": "lumiere lumieres luz luces licht lichter beleuchtung eclairage",
    "lamp": "lampe lampes lampara lamparas leuchte lampen",
    "ceiling": "plafond techo decke decken deckenlicht",
    "ceiling light": "plafonnier plafonniers plafon deckenleuchte",
    "bedside": "chevet mesita mesilla nachttisch",
    "desk": "escritorio flexo schreibtisch",
    "floor": "pie sol boden steh",
    "night": "nuit noche nacht nite",
    "mirror": "miroir espejo spiegel",
    "path": "chemin allee camino sendero weg",
    "porch": "porche veranda portal vordach",
    "counter": "encimera arbeitsplatte comptoir",
    "strip": "ruban tira streifen bande",
    # not German "groß" nor "unter", French "sous": "eine große Hilfe", "runter", "sous
    # safari" would name the big light and the under-cabinet lights
    "big": "grande",  # "la luz grande", "la grande lumière"
    # not "fuera", "dehors", "draußen": "hace frío fuera" names no light
    "outside": "exterieur exterieure exterior aussen",
    "outdoors": "draussen dehors fuera afuera",  # said, so never misread as "aussen"
    # only the compounds: "debajo de la cama", "el armario", "der Schrank" name no light
    "under cabinet": "unterbau unterschrank",
    "door": "porte portes puerta puertas tur tuer turen tueren",
    "front": "principal delantera delantero vorder haupt",
    "back": "derriere arriere trasera trasero hinter hinten",
    "garage": "garaje",
    "coffee": "cafe kaffee",
    "machine": "maquina maschine",
    "maker": "cafetera",
    "water": "eau agua wasser",
    "pump": "pompe bomba pumpe",
    "heating": "chauffage calefaccion calefa heizung",
    "radiator": "radiateur radiador heizkorper",
    "thermostat": "termostato",
    "alarm": "alarme alarma alarmanlage",
    "kids": "enfants enfant ninos nino kinder",  # not "kind": English "so kind as to"
    "bedroom": "chambre dormitorio habitacion schlafzimmer",
    "kitchen": "cuisine cocina kuche kueche",
    "living": "salon sejour wohnzimmer",
    "bathroom": "bano bad badezimmer",
    "hallway": "couloir pasillo flur diele",
    "garden": "jardin garten",
    "office": "oficina despacho buro arbeitszimmer",
    # calendar
    "lesson": "cours clase unterricht",  # not "stunde": "in einer Stunde" is an hour
    "piano": "klavier",
    "appointment": "rdv cita termin",
    "dentist": "dentiste dentista zahnarzt",
    "birthday": "anniversaire cumpleanos geburtstag",
    "dinner": "diner cena abendessen essen",
    "lunch": "dejeuner comida almuerzo mittagessen",
    "team": "equipe equipo",
    "practice": "entrainement entrenamiento training",
    "football": "foot futbol fussball",
    "vet": "veterinaire veterinario tierarzt",
    "car": "voiture coche auto wagen",
    "grandma": "mamie abuela oma",
    "school": "ecole escuela schule",
    "parents": "padres eltern",
    "meeting": "reunion besprechung",
    "bins": "poubelles poubelle basura mulltonnen mull",
    "prescription": "ordonnance receta rezept",
    "pharmacy": "pharmacie farmacia apotheke",
    # tracker
    "login": "connexion anmeldung identification inicio",
    "timeout": "delai expiration zeituberschreitung zeitlimit",
    "upgrade": "actualizacion aktualisierung update actualizar aktualisieren",
    "badge": "tarjeta ausweis dienstausweis",
    "good night": "goodnight",
    "leave": "conges conge vacaciones urlaub",
    "overtime": "heures-sup uberstunden horas-extra",
    "rounded": "arrondi arrondie arrondies arrondis redondeado redondeadas redondeados gerundet "
    "abgerundet abgerundeten abgerundete",
    "pending": "attente pendiente pendientes ausstehend ausstehende",
    "stuck": "bloque bloquee bloquees bloques atascado atascada atascadas haengen hangen",
    "requests": "demandes solicitudes peticiones antrage",
    "colour blind": "daltonien daltonienne daltoniens daltonico daltonica daltonicos farbenblind "
    "farbenblinde farbenblinden",
    "swap": "echange echanges intercambio intercambios cambio cambios tausch",
    "shift": "turno turnos schicht schichten",
    "clocks": "horloges relojes uhren",
    "library": "bibliotheque libreria bibliothek biblioteca",
    "client": "cliente",
    "crash": "plantage fallo absturz crashe",
    "upload": "envoi televersement subida subir hochladen",
    "picture": "photo foto bild image imagen bilder",
    "profile": "profil perfil",
    "password": "contrasena passwort mdp kennwort",
    "email": "mail correo courriel",
    "search": "recherche busqueda suche buscador",
    "slow": "lent lente lenta lento langsam langsame",
    "page": "pagina seite paginas seiten",
    "dark": "sombre oscuro dunkel obscur oscura dunkle dunkler dunklen",
    "settings": "parametres reglages ajustes configuracion einstellungen",
    "translate": "traduire traduction traducir traduccion ubersetzen ubersetzung",
    "german": "allemand aleman deutsch",
    "document": "documenter documentation documentar documentacion dokumentieren doku "
    "dokumentation",
    "checklist": "liste lista",
    "nightly": "nocturne nocturna nocturno nachtlich",
    "build": "compilation compilacion",
    "fails": "echoue falla fehlschlagt",
    "authentication": "authentification autenticacion authentifizierung",
    "export": "exportation exportacion exportieren exportar exporter",
    "report": "rapport informe bericht",
    "flaky": "instable inestable instabil",
    "integration": "integracion",
    "scheduler": "planificateur planificador",
    "timezone": "fuseau horaire horaria zeitzone",
    "calendar": "calendrier calendario kalender",
    "wrong": "faux fausse incorrect incorrecta falsch",
    "reset": "reinitialisation restablecer zurucksetzen",
    "never": "jamais nunca nie",
    "arrives": "arrive llega ankommt",
    "rate": "debit",
    "limit": "limite limitar begrenzung",
    # the words of a tracker's ticket titles
    "mode": "modo modus",
    "test": "prueba tests",
    "audit": "auditoria",
    "screens": "ecrans pantallas bildschirme",
    "public": "publique publica publico offentliche",
    "two factor authentication": "2fa mfa",
}
# The words of other homes, trackers and calendars than the demo's: what a new project's
# state is likely to name (a word any group above has keeps its meaning there). Only words
# that name nothing else in another of the four languages ("sol", "pie", "arana" are left out),
# and English words no nearer a common item's than a typo ("order" ~ "door", "flight" ~ "light",
# "font" ~ "front" made orders, flights and fonts name the home's things; "bett" took "vett",
# "entrada" a misspelt "entrée", "lavadora" the water pump; "fenster" read a "porte-fenêtre"
# as a window, English "handy" as a phone).
_MORE_GROUPS: dict[str, str] = {
    # a home's things and rooms
    "kettle": "bouilloire hervidor wasserkocher",
    "dryer": "seche-linge secadora trockner waschetrockner",
    "dishwasher": "lave-vaisselle lavavajillas geschirrspuler spulmaschine",
    "fan": "ventilateur ventilador ventilator",
    "dehumidifier": "deshumidificateur deshumidificador luftentfeuchter entfeuchter",
    "purifier": "purificateur purificador luftreiniger",
    "sconce": "applique aplique wandleuchte wandlampe",
    "pendant": "suspension colgante hangelampe hangeleuchte",
    "spotlight": "spots focos strahler",
    "chandelier": "lustre kronleuchter",
    "lantern": "lanterne farol laterne",
    "string lights": "guirlande guirnalda lichterkette",
    "towel rail": "seche-serviettes toallero handtuchwarmer handtuchheizkorper",
    "heater": "calefactor heizlufter estufa estufas heizgerat heizgerate",
    "attic": "grenier combles desvan buhardilla dachboden",
    "cellar": "cave sotano keller",
    "laundry": "buanderie lavadero waschkuche",
    "dining": "comedor esszimmer",
    "terrace": "terrasse terraza",
    "balcony": "balcon balkon",
    "workshop": "atelier taller werkstatt",
    "stairs": "escalier escalera treppe",
    "gate": "portail porton",
    # a tracker's titles
    "sync": "synchronisation synchro sincronizacion synchronisierung",
    "invoice": "facture factures factura facturas rechnung rechnungen",
    "payment": "paiement paiements pago pagos zahlung zahlungen",
    "billing": "facturation facturacion abrechnung",
    "notification": "notification notifications notificacion notificaciones benachrichtigung "
    "benachrichtigungen",
    "duplicate": "doublon doublons duplicado duplicados duplikat duplikate doppelt doppelte "
    "doppelten",
    "tasks": "taches tareas aufgaben",
    "dashboard": "tableau panel",
    "accessibility": "accessibilite accesibilidad barrierefreiheit",
    "import": "importation importacion importieren",
    "mobile": "movil",
    "app": "application aplicacion anwendung",
    "button": "bouton boton schaltflache knopf",
    "error": "erreur erreurs errores fehler",
    "refund": "remboursement reembolso erstattung ruckerstattung",
    "cart": "panier carrito warenkorb",
    "user": "utilisateur utilisateurs usuario usuarios benutzer nutzer",
    "account": "compte cuenta konto",
    "chart": "graphique grafico diagramm",
    "accents": "accents acentos akzente umlaute",
    "permission": "permissions permiso permisos berechtigung berechtigungen",
    "download": "telechargement descarga herunterladen",
    "attachment": "adjunto anhang",
    "attachments": "adjuntos anhange anhangen",
    "notes": "notas notizen",
    "changes": "cambios anderungen",
    "edits": "ediciones modifications bearbeitungen",
    "overwritten": "ecrase ecrasee ecrasees ecrases sobrescrito sobrescritos sobrescritas "
    "sobrescriben sobrescribian uberschrieben",
    "reconnects": "reconnecte reconnexion reconecta reconectar reconexion wiederverbindung",
    "previews": "apercus vorschauen previsualizaciones",
    "welcome": "bienvenue bienvenida willkommen",
    "offline": "deconnecte desconectado",
    # the words of any tracker's titles: what its people name a ticket by in their language
    "label": "etiquette etiquettes etiqueta etiquetas",
    "color": "couleur couleurs colores farbe farben",
    "draft": "brouillon brouillons borrador borradores entwurf entwurfe",
    "translation": "traductions traducciones ubersetzungen",
    "trash": "corbeille papelera papierkorb",
    "comment": "commentaire commentaires comentario comentarios kommentar kommentare kommentaren",
    "reply": "reponse reponses respuesta respuestas antwort antworten",
    "filter": "filtre filtres filtro filtros",
    "tab": "onglet onglets pestana pestanas",
    "file": "fichier fichiers archivo archivos datei dateien",
    "link": "lien liens enlace enlaces",
    "template": "modele modeles plantilla plantillas vorlage vorlagen",
    "automation": "automatisation automatisations automatizacion automatizaciones "
    "automatisierung automatisierungen",
    "column": "colonne colonnes columna columnas spalte spalten",
    "member": "membre membres miembro miembros mitglied mitglieder",
    "role": "rol rolle rollen",
    "invitation": "invitacion invitaciones einladung einladungen",
    "history": "historique historial verlauf",
    "keyboard": "clavier teclado tastatur",
    "shortcut": "raccourci raccourcis atajo atajos tastenkurzel",
    "preview": "apercu vorschau",
    "deadline": "echeance frist",
    "card": "carte cartes tarjeta tarjetas karte karten",
    "board": "tablero",
    "progress": "progression progreso fortschritt",
    "subtask": "subtarea subtareas unteraufgabe unteraufgaben",
    "language": "langue langues idioma idiomas sprache sprachen",
    "italian": "italien italienne italiano italiana italienisch",
    "french": "francais francaise frances francesa franzosisch",
    "spanish": "espagnol espanol espanola spanisch",
    "english": "anglais ingles englisch",
    "security": "securite seguridad sicherheit",
    "server": "serveur servidor",
    "backup": "sauvegarde respaldo sicherung",
    "feature": "fonctionnalite funcionalidad",
    "recurring": "recurrent recurrente recurrentes wiederkehrend",
    "trigger": "declencheur disparador ausloser",
    "rule": "regle regles regla reglas regel regeln",
    "field": "champ champs campo campos feld felder",
    "form": "formulaire formulario formular",
    "message": "mensaje mensajes nachricht nachrichten",
    "freezes": "congela fige",
    "mac": "macos",
    # more of the words trackers' titles are made of (views, settings, text, people, media)
    "timeline": "chronologie chronologique frise cronologia cronologica zeitleiste zeitachse",
    "view": "vue vista ansicht vues vistas ansichten",
    "priority": "priorite priorites prioridad prioridades prioritat prioritaten",
    "level": "niveau niveaux nivel niveles stufe stufen",
    "custom": "personnalise personnalises personnalisee personnalisees personalizado "
    "personalizados personalizada personalizadas benutzerdefiniert benutzerdefinierte",
    "dependency": "dependance dependances dependencia dependencias abhangigkeit abhangigkeiten",
    "arrow": "fleche fleches flecha flechas pfeil pfeile pfeilen",
    "layout": "disposicion maquetacion",
    "apostrophe": "apostrofo apostroph",
    "magic": "magique magico magica magisch magischen",
    "polish": "polonais polonaise polaco polaca polnisch polnische",
    "portuguese": "portugais portugaise portugues portuguesa portugiesisch",
    "dutch": "neerlandais hollandais neerlandes niederlandisch",
    "japanese": "japonais japonaise japones japonesa japanisch",
    "chinese": "chinois chinoise chino china chinesisch",
    "arabic": "arabe arabisch",
    "hebrew": "hebreu hebreo hebraisch",
    "russian": "russe ruso rusa russisch",
    "sidebar": "seitenleiste",
    "dropdown": "deroulant desplegable",
    "sorting": "tri trier ordenacion ordenar sortierung sortieren trie ordena sortiert",
    "loading": "chargement",
    "memory": "memoire memoria arbeitsspeicher",
    "leak": "fuite fuga speicherleck",
    "scrolling": "defilement desplazamiento",
    "tablet": "tablette tableta",
    "share": "partage partager compartir teilen",
    "dialog": "dialogue dialogo",
    "checkbox": "casilla kontrollkastchen",
    "release": "veroffentlichung",  # not "publicacion": "publication" would name it
    "signup": "inscription registrierung",
    "logout": "deconnexion abmeldung",
    "session": "sesion sitzung",
    "database": "datenbank",
    "blank": "vide vacio vacia leere leeren",
    "missing": "manquant manquante manquants faltante faltantes fehlend fehlende",
    "broken": "casse cassee roto rota kaputt defekt",
    "currency": "devise moneda wahrung",
    "address": "adresse direccion",
    "phone": "telephone telefono telefon",
    "size": "taille tamano",
    "theme": "tema thema",
    "heat": "chauffante chauffant chauffantes",
    "print": "impression imprimer impresion imprimir druck drucken",
    "contrast": "contraste kontrast",
    "location": "emplacement ubicacion standort",
    "screen": "ecran pantalla bildschirm",
    "developer": "developpeur developpeurs desarrollador desarrolladores entwickler",
    "docs": "doc docu",
    "inbox": "bandeja posteingang",
    "workspace": "arbeitsbereich",
    "container": "conteneur contenedor",
    "focus": "concentration concentracion konzentration fokus",
    "hide": "cacher masquer ocultar esconder ausblenden verbergen",
    "code": "codigo",
    # a calendar's events
    "stocktake": "inventaire inventario inventur",
    "physio": "kine kinesitherapeute fisio fisioterapeuta physiotherapie",
    "swimming": "natation natacion schwimmen",
    "guitar": "guitare guitarra gitarre",
    "recital": "audition recital vorspiel",
    "doctor": "medecin docteur medico arzt",
    "visit": "visite visita besuch",
    "concert": "concierto konzert",
    "party": "fete fiesta feier",
    "climbing": "escalade escalada klettern",
    "plumber": "plombier fontanero klempner installateur",
    "orthodontist": "orthodontiste ortodoncista kieferorthopade",
    "tax": "impots impuestos steuer steuern",
    "drag": "arrastrar",
    "switching": "changement wechsel",
    "task": "tache taches tarea tareas aufgabe aufgaben",
    "order": "ordre orden reihenfolge",
    "thread": "hilo",
    "mention": "mencion menciones erwahnung erwahnungen",
    "bulk": "masivo masiva massen",
    "undo": "deshacer ruckgangig",
    "title": "titre titres titulo titulos titel",
    "archive": "archivage archiver archivar archivieren archivierung",
    "day": "jour jours dia dias",
    "shift": "decalage decalees decales desfase desfasadas desfasados verrutscht",
    "saved": "enregistre enregistree enregistrees enregistres guardado guardados guardada "
    "guardadas gespeichert gespeicherte gespeicherten",
    "forget": "oublient olvidan vergessen vergisst",
}
for _english, _words in _MORE_GROUPS.items():
    _GROUPS[_english] = " ".join(
        w for w in _words.split() if not any(w in ws.split() for ws in _GROUPS.values())
    )
# Everyday words a letter or two from a word of the packs, an item's name or a kind's word,
# never a misspelling of it ("we're heading out" says no heating and no reading lamp, "staying"
# no "saying", "tout le monde" no "mode"): no speller respells them
NOT_MISSPELT = frozenset(
    "heading headed staying stays leaving going coming sleeping waiting watching playing "
    "working looking sitting standing shivering running eating cooking calling reading "
    "monde "
    # a ticket's status said ("move it to in review"; "review" is no "previews")
    "review progress backlog blocked "
    # a sprint said is no "print view" misspelt
    "sprint sprints "
    # asked to merge, ship or deploy is no "merged" told (nothing a ticket says is done)
    "merge ship deploy".split()
)
# Phrases said for one English thing, whose words alone name other things ("armario" is any
# cupboard, "debajo" anything under): folded, matched whole.
PHRASES: dict[str, str] = {
    "debajo de los armarios": "under cabinet",
    "bajo los armarios": "under cabinet",
    "sous les placards": "under cabinet",
    "sous les meubles": "under cabinet",
    "unter den schranken": "under cabinet",
    "unter den hangeschranken": "under cabinet",
    "plan de travail": "worktop",
    "espace de travail": "workspace",
    "espaces de travail": "workspaces",
    "espacio de trabajo": "workspace",
    "espacios de trabajo": "workspaces",
    "date d'echeance": "due date",
    "dates d'echeance": "due dates",
    "fecha de vencimiento": "due date",
    "fechas de vencimiento": "due dates",
    "fecha limite": "due date",
    "linea de tiempo": "timeline",
    "mot de passe": "password",
    "mots de passe": "passwords",
    "notes de version": "release notes",
    "montee de version": "upgrade",
    "mise a niveau": "upgrade",
    "inicio de sesion": "log in",
    "iniciar sesion": "log in",
    "heures sup": "overtime",
    "horas extra": "overtime",
    "medio dia": "half-day",
    "demi-journee": "half-day",
    "halber tag": "half-day",
    "changement d'heure": "clocks change",
    "cambio de hora": "clocks change",
    "zeitumstellung": "clocks change",
    "notas de la version": "release notes",
    "notas de version": "release notes",
    "versionshinweise": "release notes",
    "piece jointe": "attachment",
    "pieces jointes": "attachments",
    "tableau de bord": "dashboard",
    "hors ligne": "offline",
    "sin conexion": "offline",
    "glisser-deposer": "drag and drop",
}
# the words that say who something is given to ("to Sofia", "à Sofia", "an Sofia"), as a pattern
GIVEN_TO = r"(?:to|a|al|an|zu|fur|pour|para)"
# The days of the week, Monday first, each in English, French, Spanish and German (folded):
# dates read them (processors.values), and cleaning a correction from one day to another.
WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("monday", "lundi", "lunes", "montag"),
    ("tuesday", "mardi", "martes", "dienstag"),
    ("wednesday", "mercredi", "miercoles", "mittwoch"),
    ("thursday", "jeudi", "jueves", "donnerstag"),
    ("friday", "vendredi", "viernes", "freitag"),
    ("saturday", "samedi", "sabado", "samstag"),
    ("sunday", "dimanche", "domingo", "sonntag"),
)
# Numbers said as words, folded, from two up (one / un / uno / ein are articles too): never a
# misspelt name ("cuatro" is no "cuarto"); the router reads a ticket's number from them.
NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
    "seize vingt trente quarante cinquante soixante cent dos tres cuatro cinco seis siete ocho "
    "nueve diez once doce trece catorce quince veinte treinta cuarenta cincuenta sesenta "
    "setenta ochenta noventa cien ciento zwei drei vier funf sechs sieben acht neun zehn elf "
    "zwolf zwanzig dreissig".split()
)
_CANONICAL: dict[str, str] = {
    word: english for english, words in _GROUPS.items() for word in words.split()
}
# German linking letters between the parts of a compound (Küche|n|licht, Geburtstag|s|essen).
_LINKS = ("", "s", "n", "en", "e", "es")


def canonical(word: str) -> str:
    """The English word(s) for a folded word, or the word itself; German compounds are split
    into known parts ("deckenlampe" → "ceiling lamp")."""
    return _canonical(word)


@lru_cache(maxsize=1 << 15)
def _canonical(word: str) -> str:
    found = _CANONICAL.get(word)
    if found is not None:
        return found
    if len(word) >= 8:
        return _compound(word, _lexicon_part, _CANONICAL.get) or word
    return word


def _compound(
    word: str, part: Callable[[str], str | None], plural: Callable[[str], str | None]
) -> str | None:
    """A German compound's English parts ("deckenlampe" → "ceiling lamp"), each read by
    ``part`` (a plural tail by ``plural`` without its "s"), or None."""
    for cut in range(3, len(word) - 3):
        tail = word[cut:]
        right = part(tail)
        if right is None and tail.endswith("s"):  # Profilbild|s
            right = plural(tail[:-1])
        if not right:  # the tail alone decides: no head can make up for it (most cuts)
            continue
        head = word[:cut]
        for link in _LINKS:
            if link and not head.endswith(link):
                continue
            stem = head[: len(head) - len(link)] if link else head
            # (a verb's stem heads a compound: "Lieferfenster" of "Lieferung")
            left = part(stem) or (part(stem + "ung") if not link and len(stem) >= 4 else None)
            if left:
                # each reading of each part ("fahrplan" is "schedule|timetable")
                return "|".join(f"{a} {b}" for a in left.split("|") for b in right.split("|"))
    return None


def _lexicon_part(word: str) -> str | None:
    return _CANONICAL.get(word) or (word if word in _KNOWN else None)


def _glossary_part(word: str) -> str | None:
    # a part German borrows as it is ("Datenexport", "Ticketsystem"): its own English key
    return _GLOSSED.get(word) or _CANONICAL.get(word) or _BORROWED.get(word)


_KNOWN = frozenset(_GROUPS) | frozenset(w for k in _GROUPS for w in k.split())

# The glossary's words (processors.glossary), apart from the hand lists above: its everyday
# words ("heure", "Kuchen") would rewrite every request, so an inventory asks for them only
# where its own items' names hold the English word (a title's "hour", a "Cake" event).
# Not glossed: the words of when (a request's time is its value, never an item's name, though
# a title may say "hours"), the verbs a request asks with ("annule", "ferme": a title may
# say "Cancel button"), words that order or compare items, and the TV (a set of its own
# is out of the home's scope; "allume la télé" is no "TV light strip").
_UNGLOSSED = frozenset(
    "date time hour minute second week weekend month year today tomorrow yesterday morning "
    "afternoon evening noon midnight now soon later early late always sometimes immediately "
    "daily weekly monthly annual duration period day semester january february march april "
    "june july august september october november december beginning end "
    "open close reopen move shorten cancel add remove delete send set assign book show hide "
    "start stop finish remind create change call check write fix bring stay wait keep ask "
    "help need try use work play run done ready new old first last next previous same tv".split()
)
_GLOSSED: dict[str, str] = {}
for _english, _words in GLOSSARY.items():
    if _english in _UNGLOSSED:
        continue
    for _word in _words.split():
        if _word not in _CANONICAL:
            # a word of several English keys means each ("fahrplan": "schedule|timetable")
            _known = _GLOSSED.get(_word)
            _GLOSSED[_word] = _english if _known is None else f"{_known}|{_english}"


@lru_cache(maxsize=1 << 14)
def glossed(word: str) -> str | None:
    """The English word(s) the glossary gives a folded word the lexicon does not know
    (German compounds split on parts either knows), or None; a word of several meanings gives
    each, apart by "|" ("schedule|timetable").

    >>> glossed("warteliste"), glossed("preisregeln"), glossed("lumiere")
    ('waitlist', 'price rule', None)
    """
    if word in _CANONICAL:
        return None
    found = _GLOSSED.get(word)
    if found is not None or len(word) < 7:
        return found
    known = _word_languages().get(word, _NEITHER)[1]
    if known & _NOT_GERMAN and not known & _GERMAN:
        return None  # a word of another language, no German compound ("nochebuena")
    if len(word) >= 8:
        found = _compound(word, _glossary_part, _glossary_part)
    for ending in _GERMAN_ENDINGS if found is None else ():
        # "Schneeprofile", "Beobachtungen": a German noun's plural, its singular glossed
        if word.endswith(ending):
            stem = word[: -len(ending)]
            found = _GLOSSED.get(stem) or (
                _compound(stem, _glossary_part, _glossary_part) if len(stem) >= 8 else None
            )
            if found is not None:
                break
    return found


_GERMAN_ENDINGS = ("en", "e", "n", "er")
# the glossary's English keys of one word, as parts of a compound (not the words of when)
_BORROWED = {k: k for k in GLOSSARY if " " not in k and len(k) >= 4 and k not in _UNGLOSSED}


# What sounds() reads one letter at a time, after the pairs ("ch" kept whole as "\x00"): "ll"
# comes first because a silent "h" leaves "lhl" as "ll", and these letters neither make nor
# take an "l".
_LETTERS = str.maketrans({"c": "k", "z": "s", "v": "b", "h": None, "\x00": "ch"})
_RUNS = re.compile(r"(.)\1+")


def sounds(word: str) -> str:
    """How a folded word sounds, for spellings that follow the sound rather than the word
    (Spanish seseo and yeísmo, b/v, a silent h): "cosina" and "cocina" both sound "kosina",
    "pasiyo" and "pasillo" "pasiyo", "luz" and "lus" "lus".

    >>> sounds("cocina") == sounds("cosina"), sounds("pasillo") == sounds("pasiyo")
    (True, True)
    """
    word = word.replace("ch", "\x00").replace("qu", "k").replace("ck", "k").replace("ce", "se")
    word = word.replace("ci", "si").replace("ll", "y").translate(_LETTERS)
    return _RUNS.sub(_first, word)


def _first(run: re.Match[str]) -> str:
    # a function: re reads a template such as r"\1" through Python code on every call
    return run.group(1)


def by_sound(word: str) -> str | None:
    """The English word(s) for a lexicon word spelt as it sounds ("luzes" → "light"), when
    only one lexicon word sounds that way."""
    return _BY_SOUND.get(sounds(word))


def english_words() -> frozenset[str]:
    """Every English word of the lexicon (the targets of :func:`canonical`)."""
    return _KNOWN


def lexicon_words() -> frozenset[str]:
    """Every French, Spanish and German word the lexicon knows."""
    return frozenset(_CANONICAL)


def _sound_index() -> dict[str, str]:
    heard: dict[str, set[str]] = {}
    for word, english in _CANONICAL.items():
        if len(word) >= 3:
            heard.setdefault(sounds(word), set()).add(english)
    return {key: next(iter(found)) for key, found in heard.items() if len(found) == 1}


_BY_SOUND = _sound_index()


# a word this common in one of the four languages (Zipf 4: once in 10,000 words or more) is
# that word, not a typo of another word of that language: "offen" is no "Ofen", "grad" no
# "grand", "laisse" no "classe", "forget" no "forfet" (a name); a word of another language
# spelled alike is the same word said there ("Faktor" is "factor")
_COMMON_ZIPF = 4.0
_COMMON_LANGS = ("en", "fr", "es", "de")


def common_in(word: str) -> int:
    """The languages ``word`` (folded) is a common word of, one bit each (English, French,
    Spanish, German), by the word frequencies of ``wordfreq`` (its small lists, inside its
    wheel: no download); 0 for a rare word or a name.

    >>> common_in("offen") == common_in("ofen"), common_in("bedrom")
    (True, 0)
    """
    return _word_languages().get(word, _NEITHER)[0]


def mistyped(word: str, meant: str) -> bool:
    """Whether ``word`` can be a misspelling of ``meant``: not when it is a common word of a
    language that ``meant`` is a common word of too, nor when ``meant`` is a word of none of
    the languages ``word`` is not (a name: "forget" is no "forfet"). A word of another
    language spelled alike is the same word said there ("faktor", "autorisation").

    >>> mistyped("offen", "ofen"), mistyped("faktor", "factor"), mistyped("bedrom", "bedroom")
    (False, True, True)
    """
    said, _ = _word_languages().get(word, _NEITHER)
    if not said:
        return True
    common, known = _word_languages().get(meant, _NEITHER)
    return not common & said and bool(known & ~said)


_NEITHER = (0, 0)
_NOT_GERMAN, _GERMAN = 0b0111, 0b1000  # English, French, Spanish; German (_COMMON_LANGS' bits)
_KNOWN_ZIPF = 2.5  # a word of a language at all (its small list goes down to about 1)


@cache
def _word_languages() -> dict[str, tuple[int, int]]:
    """Each folded word: the languages it is common in, and those it is a word of."""
    from wordfreq import get_frequency_dict  # (its lists load once, on the first word asked)

    from processors.language import fold  # (language imports this module)

    common_least = 10.0 ** (_COMMON_ZIPF - 9.0)  # Zipf: log10 of the frequency per billion
    known_least = 10.0 ** (_KNOWN_ZIPF - 9.0)
    found: dict[str, tuple[int, int]] = {}
    for bit, lang in enumerate(_COMMON_LANGS):
        for word, frequency in get_frequency_dict(lang, wordlist="small").items():
            if frequency < known_least:
                break  # most frequent first
            folded = fold(word)
            common, known = found.get(folded, _NEITHER)
            found[folded] = (
                common | (1 << bit if frequency >= common_least else 0),
                known | 1 << bit,
            )
    return found
