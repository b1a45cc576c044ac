"""The words the copilot understands (folded: lower case, no accents), in Spanish and English.

Two uses: typo correction snaps a misspelt word to the closest of these (:mod:`.normalize`), and a
question that keeps a content word outside them is not answered as if the word were absent (the
planner says what it did not understand). ``DOMAIN`` words carry meaning for the planner;
``FILLER`` words carry none (articles, pronouns, polite forms, common verbs).
"""

from __future__ import annotations

import re

from energy_api.copilot.dates import HOLIDAY_ALIASES
from energy_api.copilot.language import MONTH_WORDS, WEEKDAY_WORDS


def _words(text: str) -> set[str]:
    return set(text.split())


DOMAIN_ES = _words(
    """
    consumo consumos consumimos consumio consumieron consumiamos consumir consumido consumida consume consumen
    consumiremos consumira consumiria gasto gastos gastamos gasto gastaron gastar gastado gastara gastaremos
    energia electricidad electrica electrico luz potencia activa reactiva reactivas inductiva capacitiva
    inductivo capacitivo adelanto atraso retraso aparente kwh kvarh kvah krw tco2 mwh wones won
    coste costes costo costos costo costaron cuesta cuestan costaria costara pagamos pagar pago pagado
    factura facturas facturacion facturar facturado facturara facturaria facture dinero caro cara caros caras
    barato barata baratos baratas precio precios tarifa tarifas tarifario tarifaria periodo periodos
    co2 emisiones emision emitimos emitido emitio emitir carbono huella medido medida medidas registrado
    registrada registradas medidos columna dato datos lectura lecturas contador
    factor factores total totales suma sumado acumulado media medio medias medios promedio promedios
    promediar diario diaria diarios diarias semanal semanales mensual mensuales horario horaria
    trimestral anual intervalo intervalos minutos minuto cuarto cuartos
    maximo maxima maximos maximas minimo minima minimos minimas pico picos punta puntas valle valles llano
    ligera ligero ligeras carga cargas tipo tipos nivel baja bajo alta alto intermedia intermedio
    hora horas dia dias semana semanas mes meses ano anos trimestre trimestres semestre semestres mitad
    fecha fechas hoy ayer anteayer antier manana pasado pasada anterior actual ultimo ultima ultimos ultimas
    proximo proxima proximos proximas siguiente siguientes hace desde hasta entre durante
    laborable laborables laboral laborales habil habiles entre semana finde fines festivo festivos feriado
    feriados vacaciones fiesta fiestas verano invierno primavera otono estacion estaciones temporada
    temporadas lunes martes miercoles jueves viernes sabado sabados domingo domingos
    pronostico pronosticos prevision previsiones prever predice predecir prediccion predicciones estima
    estimacion estimado esperado esperada esperamos espera esperar esperan
    porque explica explicame explicar explicacion causa causo causas motivo debio debido razon ocurrio paso
    subio disparo dispararon salto
    recomiendas recomienda recomendacion recomendaciones recomendar sugieres sugerencia sugerencias consejo
    consejos ahorrar ahorro ahorros ahorraria ahorrariamos ahorramos ahorra ahorran reducir reduce reducimos
    reduciria reduccion recortar recorte recortamos recortaria bajar bajamos bajaria
    mover muevo movemos moviera movieramos movemos desplazar desplazo desplazamos trasladar traslado
    trasladamos pasar paso pasamos pasaramos cambiar cambio cambiamos cambiaramos
    mejorar mejora mejoramos mejoraramos subir subimos sube elevar elevamos aumentar aumentamos corregir
    corregimos compensar compensamos condensadores condensador capacitores bateria
    madrugada noche nocturno nocturna nocturnas tarde tardes mediodia
    cuanto cuanta cuantos cuantas cual cuales que quien cuando donde como
    mayor menor mas menos mejor peor superior inferior encima debajo supero superaron supera superan
    comparado comparacion compara comparar compare versus frente respecto diferencia diferencias
    porcentaje porcentajes proporcion cuota participacion parte fraccion
    ranking top clasificacion ordena ordenar lista listado desglose desglosa desglosado
    contar cuenta cuentas numero veces
    sacar sacamos sacando llevarlos llevarla llevarla llevar llevamos
    ventana ventanas franja franjas tramo tramos bloque bloques pagariamos pagaria pagaremos pagaramos
    pagasemos cobrado cobrada cobrara cobrase cobraria cobrar refacturar refacturamos refacturara
    planta fabrica acero siderurgica
    recibo recibos importe importes curso
    """
)
DOMAIN_EN = _words(
    """
    consumption consumptions consume consumed consumes consuming use used uses using usage usages
    energy electricity electric electrical power active reactive inductive capacitive lagging leading apparent
    kwh kvarh kvah krw tco2 mwh won
    cost costs costed costing spend spent spending pay paid paying bill bills billed billing charge charges
    charged money expensive cheap cheaper cheapest price prices priced tariff tariffs rate rates period periods
    window windows slot slots timeslot block blocks rebill rebilled rebilling
    co2 emissions emission emit emitted emitting carbon footprint measured recorded logged metered column
    data reading readings meter
    factor factors total totals sum summed overall cumulative mean means average averages averaged daily
    weekly monthly hourly quarterly yearly annual interval intervals minute minutes
    maximum max minimum min peak peaks highest lowest high low higher lower top bottom biggest smallest
    largest most least more less best worst
    light medium heavy load loads type types level off-peak offpeak on-peak shoulder
    hour hours day days week weeks month months year years quarter quarters half halves
    date dates today yesterday tomorrow tonight last previous past next coming current ago since until
    between during through from till
    weekday weekdays workday workdays working business weekend weekends holiday holidays festive
    summer winter spring autumn fall season seasons
    monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays
    saturdays sundays
    forecast forecasts forecasted forecasting predict predicted prediction predictions expected expect
    expecting projection projected estimate estimated outlook
    why explain explanation explains cause caused causes reason drove drive happened spike spiked jump
    recommend recommendation recommendations suggest suggestion suggestions advice advise tip tips
    save saving savings saved reduce reducing reduction reduced cut cutting cuts lower lowering trim
    move moving moved moves shift shifting shifted shifts transfer transferring reschedule rescheduling
    bring change changed changing
    improve improving improved raise raising raised increase increasing correct correcting correction
    boost capacitor capacitors compensation
    night nighttime overnight early morning mornings afternoon evening midnight noon
    how much many what which who when where whose
    greater compared comparison compare versus against difference differ differences
    percentage percent share proportion fraction portion part
    ranking rank ranked list breakdown split
    count number times
    fin fines finde semana semanas habil habiles laborable laborables festivo festivos feriado feriados
    dejamos dejar dejaramos dejasemos dejaria corrigiendo corrigieramos corrigiesemos subiendo mejorando
    bajando compensando llevando reduciendo recortando moviendo pasando trasladando desplazando cambiando
    ahorrando gastando consumiendo eliminando quitando evitando elevando aumentando instalando instalar
    instalamos pusieramos poner ponemos
    out into onto worth value valued valuable gain gains benefit
    ocurrir ocurrio ocurrieron ocurre ocurren sucedio sucedieron paso pasaron hubo hubiera habido
    tendriamos tendria tendremos tenemos tuvieramos seriamos seria serian estariamos habria habrian
    podriamos podria puede pueden pudieramos haria hariamos happened occurred occur occurs took place
    usar uso usamos usaron usado usada usaba utilizar utilizamos utilizo utilizaron utilizado empleamos
    dices dice decir dirias dime digas cuentame cuenta contar sabrias saberlo
    portion portions
    jefe jefa turno turnos gerente director directora analista operador operadora equipo informe reporte
    manager analyst operator boss team report reporting shift supervisor engineer ingeniero ingeniera
    supuso supone suponga suponemos suppose supposing assume assuming imagine imagina imaginemos
    incurred incur produjo hizo tuvo puso dijo trajo fue fueron
    weighted weighting ponderado ponderada ponderar ponderacion count counting cuenta contar
    antepasada antepasado corresponde corresponden correspondio anual anuales
    starting start starts started beginning begin begins ending end ends empezando empieza comenzando
    before after antes despues above below under over exceed exceeded exceeding exceeds public national bank
    plant factory steel mill site demand demands draw drew drawn pulled pull burn burned burnt juice
    invoice invoices invoiced expense expenses costly costliest costlier pricey pricier priciest
    """
)
FILLER_ES = _words(
    """
    el la los las lo un una unos unas de del al a en y e o u ni con sin por para sobre bajo tras ante
    que se su sus mi mis tu tus nuestro nuestra nuestros nuestras nos me te le les
    es son fue fueron era eran sera seria ha han habia hubo hay haya esta estan estaba estuvo estuvimos
    este esta estos estas ese esa esos esas aquel aquella eso esto
    tuvimos tuvo tener tiene tienen tenemos tenia hicimos hizo hace hacer hacemos hagamos haremos
    dame dime muestrame muestra ensename ensena quiero quisiera queria necesito necesitamos podrias puedes
    puedo podemos podria podriamos debo debemos deberia deberiamos seria sabes saber conocer ver mirar
    calcula calcular calculame dar decir mostrar indicar indica indicame
    por favor gracias hola buenas buenos dias si no tambien ademas solo solamente aproximadamente
    cerca casi exactamente unicamente entonces pues bueno vale ok oye mira
    cada todo toda todos todas entero entera completo completa algun alguna algunos mismo misma otro otra
    otros otras segun aqui ahi alli ya aun todavia muy tan tanto bastante poco mucho mucha muchos
    primero primera primer segundo segunda tercer tercero tercera cuarto cuarta ultimo ano
    fuimos estamos quedo queda salio sale llego llegamos lleva
    ascendio ascendieron asciende ascienden ascender ascenderia ascenderian ascenderan sumo sumaron salieron salen
    file files dataset fichero ficheros archivo archivos
    sera seran habra vamos va van voy iria irian
    caso ejemplo forma manera tal cosa cosas toneladas tonelada kilovatios kilovatio hora
    sido habria habriamos hubiera hubieramos hubiese pasa pasaria pasara supone supondria significa
    cuanto llevamos llevo va ahora hasta momento total aproximado resumen resume resumir
    queria saber quisiera conocer interesa consulta pregunta dato
    efecto efectos impacto resultado resultados alcanzamos alcanzo alcanzar llegamos llegar llega llegara
    basandote basado basada base segun variacion variaciones evolucion quincena quincenas fortnight
    crees creo cree creeis piensas pienso piensa piensan opinas estimas imaginas calculas
    propon propone proponer proponme propuesta propuestas medidas medida modelo ideas idea correspondiente correspondientes corresponde corresponden correspondio correspondieron
    """
)
FILLER_EN = _words(
    """
    big bigger
    the a an of in on at to for by with without from into onto about over under and or nor but so than
    then if whether is are was were be been being am do does did done doing have has had having will would
    shall should can could may might must i we you he she it they me us him her them my our your his its
    their this that these those there here
    please thanks thank hello hi hey tell show give let know see get got find calculate compute need want
    like wonder wondering curious kindly better done model models idea ideas instead rather stay stayed stays remain remained remains staying
    also too just only roughly about approximately exactly around nearly almost overall all each every any
    some whole entire full same other another own such very really quite much many lot lots
    first second third fourth fifth one two three
    go went going gone come came run ran running happen happens look looking
    way case example thing things point tonnes tonne tons ton kilowatt kilowatts
    whats what's hows how's thats that's far so yet summary summarize overview figure figures number
    wondering interested question quick brief briefly roughly approx
    we'll we're we've i'd we'd it'll it's based basis according effect effects impact impacts outcome result
    results hit hits reach reached reaching reaches achieve achieved get getting happening
    """
)

# connectors and request verbs people write around the slots; none of them changes a figure
FILLER_EN |= _words(
    """
    throughout within across via among amongst upon onto whilst while regarding concerning re
    separately respectively individually altogether overall together apiece side sides something anything
    amount amounted amounts totalled totaled totalling file files dataset spreadsheet csv
    please pls plz kindly quickly briefly rundown recap snapshot lowdown glance
    """
)
FILLER_ES |= _words(
    """
    haz hazme hagas echa echame mira mirame dime dame danos pasame saca sacame
    separado separados separada separadas respectivamente individualmente conjunto juntos juntas
    largo traves mediante respecto acerca referente porfa porfavor rapido lado algo nada alguna cosa ojo vistazo
    """
)
DOMAIN_EN |= _words("backtest backtests backtesting backtested hindcast back")
#: Adjectives of the metric that change no figure ("gasto energético", "consumo eléctrico", "electrical use").
FILLER_ES |= _words("energetico energetica energeticos energeticas electrico electrica electricos electricas")
FILLER_EN |= _words("electrical electric energetic")
#: Interjections of assent that open a turn ("perfecto, ¿y en dinero?", "great, and the cost?").
FILLER_ES |= _words(
    "perfecto perfecta genial estupendo estupenda excelente fenomenal buenisimo claro entendido"
)
FILLER_EN |= _words("perfect great cool nice awesome excellent alright gotcha understood")

#: Function words from the ``stop-words`` package's Spanish and English lists (pronouns, conjugations of
#: ser / estar / haber / tener, possessives, conjunctions, discourse adverbs, verbs of asking and
#: thinking): they carry no slot, so they are filler. A stop word that can change a figure is kept out and
#: still declines as unknown: numbers, negations and negative contractions ("didnt", "ninguno"),
#: quantifiers and degree ("pocos", "varios", "few", "enough"), time and place ("luego", "atrás",
#: "hacia", "recently", "later", "behind"), comparison ("demás", "diferente", "else", "other") and nouns
#: ("trabajo", "estado", "room", "system", "line"). English stop words are taken only from the classes
#: listed in ``_STOP_EN_CLASSES``; the package's English list also holds many nouns.
_STOP_ES_FIGURE = _words(
    """
    uno dos tres cuatro cinco seis siete ocho nueve diez nadie ningun ninguna ningunas ninguno ningunos tampoco
    sino demas diferente diferentes poca pocas pocos varias varios cierta ciertas cierto ciertos nueva nuevas
    nuevos gran grandes primeros ultimar atras arriba adelante alrededor actualmente apenas luego mientras
    trabaja trabajais trabajamos trabajan trabajar trabajas trabajo hacia adonde allende circa cualquier ex pa
    na pro fuerza sentid sentida sentidas sentidos sentir sintiendo siente cabo modo modode junto aquellas
    aquellos estado estados empleo dejante dejo excepto salvo menos mas algunas alguno
    """
)
_STOP_EN_CLASSES = _words(
    """
    myself yourself yourselves ourselves themselves itself himself herself yours ours theirs mine whom whoever
    whatever whichever somebody someone anybody anyone everybody everyone
    actually apparently certainly clearly definitely obviously perhaps maybe possibly presumably probably
    hopefully indeed anyway anyways anyhow however therefore thus hence moreover furthermore nevertheless
    nonetheless likewise namely specifically especially particularly truly seriously sincerely
    sure okay oh ah eh yes welcome greetings sorry thanx appreciate
    ask asked asking asks tell think thinks thought believe wish wanted wanting wants say says said saying
    seem seems seemed know knows knew consider considering describe try trying tried tries shown shows showed
    showing seen sees saw gotten gives giving given
    im ive youre theyre theyve weve youve youd youll theyd theyll itd itll thatll thats theres heres whats
    whatll lets shall
    """
)


#: A form of a verb or noun that carries an intent (advise, suggest, propose, explain, forecast, compare,
#: rank, simulate, estimate...): a form the planner's rules do not read is never filler, whatever its
#: place ("¿qué me aconsejas a la vista del 14?" is an advice request, never the day's cost).
_INTENT_STEM = re.compile(
    r"^(?:aconsej|consej|recomi?end|sugi?er|suger|propon|propong|propus|propuest|asesor|orient|"
    r"advi[cs]|counsel|suggest|recommend|propos|tips?$|hint|guid|"
    r"explic|expliq|explain|justific|justify|motiv|causa|caus|razon|reason|"
    r"predi[cj]|predec|pronostic|previs|preve|proyect|forecast|predict|project|anticip|estim|extrapol|"
    r"compar|contrast|versus|benchmark|"
    r"rank|clasific|orden|jerarqu|sort|"
    r"simul|escenari|scenari|hipotet|hypothet|supon|supong|suppos|imagin)"
)


def _stop_lists() -> tuple[set[str], set[str]]:
    from stop_words import get_stop_words  # the package reads its lists once (a few ms)

    fold = {ord(a): b for a, b in zip("áéíóúüñ", "aeiouun", strict=True)}
    spanish = {w.translate(fold) for w in get_stop_words("es") if w.isalpha()}
    english = {w for w in get_stop_words("en") if w.isalpha()}
    return spanish, english


_STOP_ES, _STOP_EN = _stop_lists()
#: Every word of the two stop-word lists: real words, so typo correction never snaps one to another word
#: ("demás" is not a typo of "además", "pocos" not of "picos").
STOP_WORDS: frozenset[str] = frozenset(_STOP_ES | _STOP_EN)
FILLER_ES |= (_STOP_ES - _STOP_ES_FIGURE) | (_STOP_EN & _STOP_EN_CLASSES)
DOMAIN = DOMAIN_ES | DOMAIN_EN
#: A stop word that is a form of an intent verb ("propone", "estimas", "imaginas") is never filler: it is
#: read by the rule of its intent, or it is unknown and declines.
FILLER_ES = {w for w in FILLER_ES if not _INTENT_STEM.match(w)}
FILLER_EN = {w for w in FILLER_EN if not _INTENT_STEM.match(w)}
FILLER = FILLER_ES | FILLER_EN
#: Every word the copilot knows; :func:`learn_patterns` adds the words its rules spell.
VOCABULARY: set[str] = (
    DOMAIN
    | FILLER
    | set(MONTH_WORDS)
    | set(WEEKDAY_WORDS)
    | {w for alias in HOLIDAY_ALIASES for w in alias.split()}
    | {"q1", "q2", "q3", "q4", "h1", "h2", "am", "pm", "st", "nd", "rd", "th", "vs", "etc", "kw", "kva"}
)


#: Words after which an unknown word is a request verb ("analiza el consumo", "could you tally the cost").
_REQUEST_BEFORE = frozenset(
    _words(
        "please pls plz can could would will you me us puedes podrias puede podria quiero queria quisiera "
        "necesito necesitamos to a oye hey ok okay vale porfa favor"
    )
)
#: Words that open the object of a request verb (articles, determiners, pronouns, question words).
_OBJECT_START = frozenset(
    _words(
        "the a an our my me us this that these those all how what which when whether el la los las lo un una "
        "unos unas nuestro nuestra nuestros nuestras mi mis me nos todo toda todos todas cuanto cuanta cuantos "
        "cuantas cuanta que cual cuales como cuando si"
    )
)
_SUBJECTS = frozenset(_words("we i you they it plant factory site"))
#: Unknown words that may change a figure even in a harmless position: never ignored (time adverbs, energy
#: flowing the other way, production).
_MEANINGFUL = frozenset(
    _words("""
    recently lately currently presently previously formerly nightly fortnightly biweekly bimonthly
    hardly barely scarcely net gross likely unlikely supply
    generate generates generating export exports exporting sell sells selling sold produce produces producing
    inject injects store stores lose loses losing lost waste wastes recover recovers return returns feed
    buy buys bought import imports purchase purchased
    recientemente ultimamente actualmente anteriormente previamente diariamente semanalmente mensualmente
    anualmente nocturnamente apenas neto bruto genera generamos generar exporta exportamos vende vendemos
    produce producimos inyecta inyectamos
    generated exported produced injected stored recovered returned wasted imported fed
    generado generada generados exportado exportada vendido vendida producido producida inyectado inyectada
    agua gas gasoil diesel vapor combustible petroleo aire nave linea maquina horno prensa tonelada toneladas
    water steam oil fuel air furnace press machine line lines
    """)
)


#: Any form of selling, exporting, generating, producing or injecting energy ("vendimos", "exported").
_MEANINGFUL_STEM = re.compile(
    r"^(?:vend[ieaá]|export|generad|generam|generar|generat|gener[oó]\b|produc|produjimos|inyect|sell|sold|inject)"
)


def intent_word(word: str) -> bool:
    """Whether a word is a form of an intent verb or noun (see ``_INTENT_STEM``)."""
    return _INTENT_STEM.match(word) is not None


def meaningful_unknown(word: str, text: str = "") -> bool:
    """An unknown word that changes what a figure means wherever it stands (never left unread): time
    adverbs, energy flowing the other way, and any form of an intent verb the rules do not read.
    Generating is meaningful except of emissions ("the CO2 we generated" is the plant's CO2)."""
    if word.startswith("gener") and re.search(r"\bco2\b|emision|emission|carbon|tco2", text):
        return False
    return word in _MEANINGFUL or _MEANINGFUL_STEM.match(word) is not None or intent_word(word)


_PARTICLES = frozenset(_words("up through out"))
_ENCLITIC = re.compile(r"[aei](?:me|nos|melo|noslo|selo|lo|la|los|las)$")


_PERIOD_WORDS = frozenset(
    _words("hoy ayer anteayer today yesterday last this past previous q1 q2 q3 q4 h1 h2")
)


#: English request verbs in the bare imperative ("check October", "look at Q3").
_EN_IMPERATIVES = frozenset(
    _words("check look see review examine inspect consider focus take try study scan")
)
#: Request verbs that carry no object of their own: never the object of another domain.
REQUEST_VERBS = _EN_IMPERATIVES | frozenset(
    _words("revisa revisame chequea checa analiza analizame mira fijate")
)
_LOOK_PREPOSITIONS = frozenset(_words("at on into over en a"))
_ARTICLES = frozenset(_words("the el la los las"))


def _names_slot(token: str) -> bool:
    """A token that opens a period or names a metric ("marzo", "2018", "ayer", "consumo")."""
    return token.isdigit() or token in MONTH_WORDS or token in _PERIOD_WORDS or token in DOMAIN


def harmless_unknown(word: str, text: str) -> bool:
    """Whether an unknown word carries no slot by its form and place alone (so it may be left unread):

    - an adverb of manner ("separately", "exactamente"), not one of time or degree;
    - the verb of an English phrasal verb ("rack up", "tally up", "burn through", "work out");
    - a request verb: first in its clause or after "please" / "can you" / "quiero", and followed by
      its object ("analiza el consumo", "revísame la factura", "crunch the numbers for May");
    - the verb after a subject ("how much did we guzzle in July");
    - a Spanish imperative or infinitive with an enclitic pronoun before its object ("analízame el gasto").

    A word in ``_MEANINGFUL`` (time adverbs, generating / exporting / selling energy...) never is.
    Numbers, periods, metrics, filters and negations are known words, read by the plan's slots, and
    the comprehension check still accounts for every number of the question."""
    if meaningful_unknown(word, text) or len(word) < 3:
        return False
    if (word.endswith("ly") and len(word) >= 6) or (word.endswith("mente") and len(word) >= 8):
        return True
    tokens = re.findall(r"[a-z0-9]+(?:'[a-z]+)?|[?.!,;:]", text)
    for i, tok in enumerate(tokens):
        if tok != word:
            continue
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt in _PARTICLES:
            return True
        clause_start = prev is None or prev in _REQUEST_BEFORE or prev in {",", ";", ":", ".", "?", "!"}
        if nxt in _OBJECT_START and (clause_start or _ENCLITIC.search(word)):
            return True
        if prev in _SUBJECTS and nxt is not None and not nxt.isdigit():
            return True
        # "analiza marzo", "revisa ayer", "chequea 2018-03-05", "analyze March consumption": an imperative
        # (Spanish -a / -e, or an English -ize / -ify verb) first in its clause, before a period or a metric
        imperative = re.search(r"[ae]$|[aei](?:me|nos)$|(?:i[sz]e|y[sz]e|ify)$", word) is not None
        if clause_start and nxt is not None and _names_slot(nxt) and imperative:
            return True
        # "... ? check October", "look at Q3", "fíjate en agosto": an imperative (English bare verb, or
        # a Spanish -a / -e form) that opens its clause, optionally with a preposition, before a period
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if clause_start and nxt in _LOOK_PREPOSITIONS and after in _ARTICLES and i + 3 < len(tokens):
            after = tokens[i + 3]  # "fíjate en la semana del 19 al 25", "look at the week of May 7"
        if clause_start and nxt in _LOOK_PREPOSITIONS and after is not None and _names_slot(after):
            return imperative or word in _EN_IMPERATIVES
        if clause_start and nxt is not None and _names_slot(nxt) and word in _EN_IMPERATIVES:
            return True
    return False


def pattern_words(*sources: object) -> set[str]:
    """The plain words spelled inside regular expressions and their dict keys (escape letters such as
    the ``s`` of ``\\s`` or the ``b`` of ``\\b`` are not words)."""
    out: set[str] = set()
    for source in sources:
        items = source.values() if isinstance(source, dict) else [source]
        for item in items:
            if isinstance(item, re.Pattern):
                texts = [item.pattern]
            elif isinstance(item, str) and "|" in item:
                texts = [item]
            elif isinstance(item, dict):
                texts = [k for k in item if isinstance(k, str)]
            elif isinstance(item, tuple):
                texts = [
                    t.pattern for x in item if isinstance(x, tuple) for t in x if isinstance(t, re.Pattern)
                ]
            else:
                continue
            for text in texts:
                cleaned = re.sub(r"\\[a-zA-Z]", " ", text)
                out.update(w for w in re.findall(r"[a-z]{2,}", cleaned))
    return out


def learn_patterns(*sources: object) -> None:
    """Add the words the planner's rules read (called once by the modules that define them)."""
    VOCABULARY.update(pattern_words(*sources))


__all__ = [
    "DOMAIN",
    "FILLER",
    "STOP_WORDS",
    "VOCABULARY",
    "harmless_unknown",
    "intent_word",
    "learn_patterns",
    "meaningful_unknown",
    "pattern_words",
]
