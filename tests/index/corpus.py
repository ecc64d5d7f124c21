"""Test data for the index backends' parity test: a deterministic corpus and fixed queries.

``corpus()`` builds at least a thousand ``Article``s as the cleaner would publish them
(article id from the canonical URL, content hash, word count and provenance computed by the
cleaner's own ``build_article``). Bodies are real sentences recombined: the Bulgarian
paragraphs of the two seed pages, plus the invented news sentences of this module in
Bulgarian, Russian, English and Ukrainian, with inflected forms of shared words
("президент/президента/Президенты", "election/elections", "войски/войските") so that
stemming has something to find.

Besides the originals the list holds, each placed after the article it derives from:

* ``copy``: an exact syndicated copy (same title and body) on another site, fetched later;
* ``near``: a copy on another site with a word or two of the body changed, fetched later;
* ``rescrape``: the same URL (so the same article id) fetched later, with changed text;
* ``stale``: the same URL with a fetch time no later than the version already listed
  before it (usually older; once equal; once older although its ISO string sorts later),
  and other text: the index must keep the newer version.

``labelled_corpus()`` gives the same list with each article's kind and source, for tests.
``QUERIES`` are the requests the parity test runs over the indexed corpus.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from vestnik.cleaner.pipeline import build_article
from vestnik.contracts import Article, Provenance, ScrapeEvent
from vestnik.extract import Extracted
from vestnik.index._base import SearchRequest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

Kind = Literal["original", "copy", "near", "rescrape", "stale"]
Language = Literal["bg", "ru", "en", "uk"]

CLEANER_VERSION = "test"
YEAR = 2025

# Shares of the list (of n): originals make up the rest.
COPY_SHARE = 0.05
NEAR_SHARE = 0.05
RESCRAPE_SHARE = 0.03
STALE_COUNT = 6
NEAR_MIN_WORDS = 120

T = TypeVar("T")

LANGUAGE_WEIGHTS: dict[Language, float] = {"bg": 0.66, "ru": 0.16, "en": 0.16, "uk": 0.02}

# --- sentence banks ---------------------------------------------------------------------

# Invented Bulgarian news sentences, on other topics than the seed pages.
BG_SENTENCES: tuple[str, ...] = (
    "Президентът Румен Радев насрочи предсрочни парламентарни избори за 27 октомври.",
    "Централната избирателна комисия обяви окончателните резултати от изборите.",
    "Избирателната активност на изборите е била 34 процента, съобщиха от ЦИК.",
    "Наблюдателите от ОССЕ отчетоха, че изборите са протекли спокойно и без сериозни "
    "нарушения.",
    "Партиите започнаха консултации за съставяне на правителство след изборите.",
    "Държавният глава връчи първия проучвателен мандат на най-голямата парламентарна група.",
    "Пресслужбата на президента съобщи, че срещата ще се проведе в понеделник.",
    "Президентите на България и Румъния обсъдиха енергийната сигурност в региона.",
    "Народното събрание прие на първо четене бюджета за следващата година.",
    "Депутатите гласуваха промени в Изборния кодекс със 132 гласа „за“.",
    "Годишната инфлация се забави до 3,1 процента през март, показват данните на НСИ.",
    "Българската народна банка запази основния лихвен процент без промяна.",
    "Цените на горивата по бензиностанциите се повишиха с около пет стотинки за литър.",
    "България се стреми да въведе еврото от 1 януари, заяви финансовият министър.",
    "Министерството на енергетиката увери, че доставките на природен газ са гарантирани.",
    "Силни валежи предизвикаха наводнения в няколко села в Югоизточна България.",
    "НИМХ обяви жълт код за силен вятър в 14 области на страната.",
    "Снеговалежите затрудниха движението по прохода Шипка, съобщи Агенция „Пътна "
    "инфраструктура“.",
    "Горски пожар избухна край Свиленград и наложи евакуация на две села.",
    "Лудогорец победи ЦСКА с 2:0 и затвърди първото си място в класирането.",
    "Националният отбор по волейбол се класира за финалите на Лигата на нациите.",
    "Министерството на здравеопазването препоръча ваксинация срещу грип и COVID-19 преди "
    "зимата.",
    "Лекари от Александровска болница извършиха успешна трансплантация на бъбрек.",
    "Първият български сателит за наблюдение на Земята беше изведен успешно в орбита.",
    "Учени от БАН представиха изследване за влиянието на климатичните промени върху Черно "
    "море.",
    "Ремонтът на жп линията София – Пловдив ще приключи до края на годината.",
    "Летище София отчете рекорден брой пътници през летния сезон.",
    "Пловдив беше домакин на международен фестивал на фолклора с участници от 20 държави.",
    "Националният исторически музей показва нова изложба на тракийски златни съкровища.",
    "Прокуратурата повдигна обвинение на бивш заместник-министър за подкуп.",
    "Полицията задържа трима души при акция срещу контрабандата на цигари.",
    "Министрите на отбраната от НАТО обсъдиха засилване на присъствието на съюзниците в "
    "Черноморския регион.",
    "Представители на NATO заявиха, че Русия продължава да бъде основната заплаха за "
    "сигурността в Европа.",
    "Изпълнителният директор на Google за България обяви нови инвестиции в центрове за данни.",
    "Приложението Viber ще бъде използвано за известия при бедствия, съобщи МВР.",
    "Войските на България участват в съвместно учение с американски и румънски военни.",
    "Президентът посети войските, разположени в базата Ново село.",
    "Реколтата от пшеница тази година се очаква да бъде с 15 процента по-ниска заради сушата.",
    "Износът на зърно през пристанище Варна се увеличи значително.",
    "Европейската комисия одобри плана за възстановяване и устойчивост на България.",
    "Премиерът разговаря по телефона с президента на Европейската комисия.",
    "Изборите за Европейски парламент ще се проведат заедно с местните избори.",
)

RU_SENTENCES: tuple[str, ...] = (
    "Президент России провёл совещание с постоянными членами Совета безопасности.",
    "Пресс-секретарь президента Дмитрий Песков заявил журналистам, что Кремль внимательно "
    "следит за переговорами.",
    "Президенты Армении и Азербайджана могут встретиться до конца года, сообщили источники "
    "в дипломатических кругах.",
    "Центральная избирательная комиссия объявила предварительные итоги выборов в "
    "региональные парламенты.",
    "Явка на выборах губернатора составила 42 процента, что выше показателя прошлого "
    "голосования.",
    "Наблюдатели от ОБСЕ не выявили серьезных нарушений в ходе выборов, говорится в докладе "
    "миссии.",
    "Банк России сохранил ключевую ставку на прежнем уровне, сославшись на замедление "
    "инфляции.",
    "Годовая инфляция в марте замедлилась до 7,5 процента, сообщил Росстат.",
    "Цены на нефть марки Brent выросли после решения ОПЕК+ продлить сокращение добычи.",
    "Министерство финансов разместило облигации федерального займа на 50 миллиардов рублей.",
    "Российские войска продолжили отвод техники из района Степанакерта, сообщило "
    "Министерство обороны.",
    "Отвод войск завершится в течение нескольких недель, уточнили в ведомстве.",
    "Командование миротворческого контингента передало азербайджанской стороне последние "
    "посты.",
    "Сильные снегопады парализовали движение на трассе М-4 «Дон» в Ростовской области.",
    "Синоптики предупредили о сильном ветре и ледяном дожде в Москве в выходные.",
    "В Якутии зафиксировали рекордно низкую для ноября температуру — минус 58 градусов.",
    "Сборная России по хоккею обыграла команду Казахстана со счетом 4:1 в товарищеском матче.",
    "Футбольный клуб «Зенит» в пятый раз подряд стал чемпионом страны.",
    "Ученые Новосибирского университета представили новый метод ранней диагностики рака.",
    "Минздрав рекомендовал привиться от гриппа до начала сезонного подъема заболеваемости.",
    "Компания «Яндекс» запустила сервис беспилотной доставки в трех новых городах.",
    "Глава государства подписал закон о поддержке отечественных разработчиков программного "
    "обеспечения.",
    "Ракета-носитель «Союз-2.1б» с тремя спутниками стартовала с космодрома Восточный.",
    "Роскосмос сообщил, что экипаж МКС успешно провел выход в открытый космос.",
    "Государственная дума приняла в первом чтении законопроект о бюджете на следующий год.",
    "Депутаты предложили снизить порог явки для признания выборов состоявшимися.",
    "Президенту доложили о ходе восстановления энергосистемы после аварии на подстанции.",
    "Встреча с президентом Франции обсуждалась по телефону, но дата пока не согласована.",
    "Министр иностранных дел Сергей Лавров провел переговоры с коллегой из Армении в Москве.",
    "Стороны обсудили вопросы транспортной связанности и разблокировки коммуникаций в регионе.",
    "Урожай пшеницы в этом году может превысить 85 миллионов тонн, считают аналитики.",
    "Экспорт зерна через порты Черного моря вырос на 12 процентов по сравнению с прошлым "
    "сезоном.",
    "Железнодорожное сообщение между Москвой и Санкт-Петербургом временно изменено из-за "
    "ремонта путей.",
    "Авиакомпания «Аэрофлот» увеличила число рейсов в Стамбул и Дубай на летний период.",
    "Третьяковская галерея открыла выставку работ Ивана Айвазовского к юбилею художника.",
    "Фильм молодого режиссера получил главный приз Московского международного кинофестиваля.",
    "По данным МЧС, пожар на складе в Подмосковье удалось локализовать на площади 3000 "
    "квадратных метров.",
    "Спасатели эвакуировали более 200 жителей из подтопленных домов в Оренбургской области.",
    "Суд арестовал бывшего заместителя губернатора по делу о взятке в особо крупном размере.",
    "В Кремле заявили, что не видят оснований для пересмотра договоренностей о перемирии.",
    "Представители НАТО и ЕС выступили с совместным заявлением о ситуации на Кавказе.",
    "Акции Сбербанка подорожали на 2,3 процента на Московской бирже после публикации "
    "отчетности.",
    "Компания Apple приостановила продажи iPhone в нескольких регионах, сообщает Reuters.",
    "Число пользователей Telegram в России превысило 90 миллионов человек.",
    "Президент поручил правительству подготовить предложения по снижению цен на бензин.",
    "Выборы президента пройдут в марте, напомнили в избирательной комиссии.",
    # "Москвa" below is written with a Latin "a", as scraped pages sometimes are.
    "Делегация прибыла в Москвa поздно вечером и сразу отправилась на переговоры.",
)

EN_SENTENCES: tuple[str, ...] = (
    "The president signed the budget bill into law on Tuesday after weeks of negotiations "
    "in Congress.",
    "Presidential candidates held their final televised debate ahead of Sunday's election.",
    "Voters in three states went to the polls in elections that could decide control of the "
    "Senate.",
    "The election commission said turnout reached 61 percent, the highest in two decades.",
    "Observers said the elections were competitive but marred by disinformation online.",
    "The president's spokesman declined to comment on the report.",
    "Presidents of the two countries agreed to meet again before the end of the year.",
    "Russian troops began withdrawing from positions in Nagorno-Karabakh, the Kremlin said.",
    "The withdrawal of the peacekeeping troops is expected to take several weeks.",
    "Armenia and Azerbaijan agreed to exchange prisoners of war in a step toward a peace deal.",
    "Talks mediated by the European Union and the United States have made little progress.",
    "The central bank kept interest rates unchanged, citing stubborn inflation in services.",
    "Annual inflation eased to 2.4 percent in March, official figures showed.",
    "Oil prices rose more than 2 percent after OPEC+ extended its output cuts.",
    "Shares in European carmakers fell after Washington announced new tariffs.",
    "The government unveiled a plan to build 300,000 new homes over the next five years.",
    "Heavy rain caused flooding across southern England, disrupting rail services.",
    "Forecasters warned of a heatwave, with temperatures expected to exceed 38 degrees "
    "Celsius.",
    "Firefighters battled a wildfire that forced the evacuation of several villages.",
    "The health ministry urged people over 65 to get vaccinated against flu and COVID-19.",
    "Researchers said the new drug reduced the risk of heart attack by a quarter in trials.",
    "Manchester City beat Arsenal 2-1 to move top of the Premier League table.",
    "The Olympic champion announced her retirement from competitive swimming.",
    "A rocket carrying four astronauts lifted off from Cape Canaveral on Thursday morning.",
    "The space agency said the lunar lander had touched down safely near the south pole.",
    "Tech companies face new rules on artificial intelligence under the EU's landmark law.",
    "Regulators fined the social media company 1.2 billion euros for breaching data rules.",
    "Train drivers will strike for 48 hours next week in a dispute over pay.",
    "The airline cancelled hundreds of flights after a software failure grounded its fleet.",
    "NATO defence ministers met in Brussels to discuss increased military spending.",
    "The foreign ministers of Armenia and Azerbaijan will meet in Washington, the State "
    "Department said.",
    "The prime minister reshuffled his cabinet after a series of resignations.",
    "Parliament voted 312 to 190 to approve the controversial immigration bill.",
    "The opposition leader called for early elections after the coalition collapsed.",
    "The museum returned dozens of looted artefacts to their country of origin.",
    "The film festival's top prize went to a debut feature about a family of farmers.",
    "Wheat harvests are forecast to fall by 10 percent because of the drought.",
    "Police arrested three people in connection with the cyber attack on the hospital.",
    "The court ruled that the former minister must stand trial on corruption charges.",
    "Ukraine's president thanked allies for new air defence systems.",
    "Speaking in Russian, the minister said the talks had been «конструктивными».",
    'Kremlin spokesman Dmitry Peskov told reporters: "Yes, this is true."',
    "Electricity prices in Bulgaria and Romania jumped during a heatwave across the Balkans.",
    "Bulgaria is preparing to adopt the euro, the finance minister said.",
    "Election officials began a recount in two districts after complaints from both parties.",
    "The newly elected mayor promised to expand public transport and cut air pollution.",
)

UK_SENTENCES: tuple[str, ...] = (
    "Президент України провів зустріч із прем’єр-міністром щодо енергетичної безпеки.",
    "Українські війська відбили кілька атак на східному напрямку, повідомив Генштаб.",
    "Центральна виборча комісія заявила, що вибори можуть відбутися лише після завершення "
    "воєнного стану.",
    "У Києві через атаку дронів пошкоджено об'єкти енергетичної інфраструктури.",
    "Уряд ухвалив програму підтримки аграріїв на наступний рік.",
    "Укренерго попередило про можливі відключення світла у вечірні години.",
    "Президента поінформували про хід відновлення мостів у Харківській області.",
    "Національний банк залишив облікову ставку без змін на рівні 14,5 відсотка.",
    "Збірна України з футболу зіграє товариський матч у Варшаві.",
    "Делегації України та ЄС обговорили умови надання нового траншу макрофінансової допомоги.",
)

AUTHORS: dict[Language, tuple[str, ...]] = {
    "bg": ("Мария Иванова", "Георги Петров", "Елена Димитрова", "Николай Стоянов"),
    "ru": ("Анна Смирнова", "Игорь Волков", "Ольга Кузнецова"),
    "en": ("Jane Smith", "Tom Harris", "Priya Patel"),
    "uk": ("Олена Коваленко", "Андрій Шевчук"),
}

# --- sites ------------------------------------------------------------------------------

SITES_BY_LANGUAGE: dict[Language, tuple[tuple[str, float], ...]] = {
    "bg": (("dnevnik.bg", 0.40), ("novinite.bg", 0.25), ("bta.bg", 0.35)),
    "ru": (("ria.ru", 0.55), ("tass.ru", 0.45)),
    "en": (("reuters.com", 0.45), ("bbc.co.uk", 0.45), ("novinite.bg", 0.10)),
    "uk": (("pravda.com.ua", 1.0),),
}

AGENCIES_BY_SITE: dict[str, tuple[tuple[str | None, float], ...]] = {
    "dnevnik.bg": (("БТА", 0.30), ("БГНЕС", 0.25), ("Reuters", 0.10), (None, 0.35)),
    "novinite.bg": (("БГНЕС", 0.40), ("БТА", 0.20), (None, 0.40)),
    "bta.bg": (("БТА", 0.85), (None, 0.15)),
    "ria.ru": (("ТАСС", 0.15), ("Reuters", 0.10), (None, 0.75)),
    "tass.ru": (("ТАСС", 0.90), (None, 0.10)),
    "reuters.com": (("Reuters", 1.0),),
    "bbc.co.uk": (("Reuters", 0.30), (None, 0.70)),
    "pravda.com.ua": (("Reuters", 0.15), (None, 0.85)),
}

# UTC offsets of publication times, by site: (winter, summer).
_OFFSETS: dict[str, tuple[int, int]] = {
    "dnevnik.bg": (2, 3), "novinite.bg": (2, 3), "bta.bg": (2, 3), "pravda.com.ua": (2, 3),
    "ria.ru": (3, 3), "tass.ru": (3, 3), "reuters.com": (0, 0), "bbc.co.uk": (0, 1),
}

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y", "", "e", "yu", "ya",
     "i", "yi", "ye", "g"],
    strict=True,
))
_SENTENCE_END = re.compile(r'(?<=[.!?…])\s+(?=["„«(]?[А-ЯЁA-Z0-9])')
_WORD_CORE = re.compile(r"^(\W*)(\w{4,})(\W*)$")


# --- building blocks --------------------------------------------------------------------


@cache
def seed_sentences() -> tuple[str, ...]:
    """The sentences of the Bulgarian body paragraphs of the seed pages, in order."""
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.expected.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        if page.get("language") != "bg":
            continue
        for paragraph in page["body_paragraphs"]:
            out.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return tuple(out)


def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    values = [v for v, _ in weighted]
    weights = [w for _, w in weighted]
    return rng.choices(values, weights=weights)[0]


def _slug(text: str, words: int = 6) -> str:
    latin = "".join(_TRANSLIT.get(c, c) for c in text.lower())
    return "-".join(re.findall(r"[a-z0-9]+", latin)[:words]) or "news"


def _title(rng: random.Random, sentence: str) -> str:
    words = sentence.split()
    size = min(len(words), rng.randint(4, 9))
    title = " ".join(words[:size]).rstrip(",:;—–-")
    return title.strip('"„«»“ ') or sentence


def _paragraphs(rng: random.Random, pool: Sequence[str]) -> list[str]:
    """3 to 8 paragraphs of 1 to 3 distinct sentences of ``pool``."""
    sizes = [rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0]
             for _ in range(rng.randint(3, 8))]
    while sum(sizes) > len(pool):  # a small pool: shorter paragraphs, never fewer than 3
        i = max(range(len(sizes)), key=lambda j: sizes[j])
        if sizes[i] > 1:
            sizes[i] -= 1
        else:
            sizes.pop()
    sentences = rng.sample(list(pool), sum(sizes))
    out, start = [], 0
    for size in sizes:
        out.append(" ".join(sentences[start:start + size]))
        start += size
    return out


def _pool(rng: random.Random, language: Language) -> tuple[str, ...]:
    if language == "ru":
        return RU_SENTENCES
    if language == "en":
        return EN_SENTENCES
    if language == "uk":
        return UK_SENTENCES
    topic = rng.choices(("seed", "own", "both"), weights=(0.5, 0.35, 0.15))[0]
    if topic == "seed":
        return seed_sentences()
    if topic == "own":
        return BG_SENTENCES
    return seed_sentences() + BG_SENTENCES


def _published(rng: random.Random, site: str) -> datetime | date | None:
    day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
    form = rng.choices(("time", "day", "none"), weights=(0.75, 0.18, 0.07))[0]
    if form == "none":
        return None
    if form == "day":
        return day
    winter, summer = _OFFSETS[site]
    offset = summer if date(YEAR, 3, 30) <= day < date(YEAR, 10, 26) else winter
    moment = datetime(day.year, day.month, day.day, tzinfo=timezone(timedelta(hours=offset)))
    return moment + timedelta(minutes=rng.randrange(24 * 60))


def _first_fetch(rng: random.Random, published: datetime | date | None) -> datetime:
    if isinstance(published, datetime):
        start = published.astimezone(UTC)
        return start + timedelta(minutes=rng.randint(3, 30 * 60))
    if isinstance(published, date):
        start = datetime(published.year, published.month, published.day, tzinfo=UTC)
        return start + timedelta(minutes=rng.randint(6 * 60, 40 * 60))
    start = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365))
    return start + timedelta(seconds=rng.randrange(24 * 3600))


def _url(rng: random.Random, site: str, number: int, title: str,
         published: datetime | date | None, tracking: bool) -> str:
    """A raw URL as a scraper would see it: ``www.``, trailing slashes, tracking
    parameters; the article's URL is its canonical form."""
    day = published if isinstance(published, date) else date(YEAR, 1, 1)
    slug = _slug(title)
    ymd = f"{day:%Y/%m/%d}"
    urls = {
        "dnevnik.bg": f"https://www.dnevnik.bg/sviat/{ymd}/{number}_{slug}/",
        "novinite.bg": f"https://novinite.bg/articles/{number}/{slug}",
        "bta.bg": f"https://www.bta.bg/bg/news/world/{number}-{slug}",
        "ria.ru": f"https://ria.ru/{day:%Y%m%d}/{slug}-{number}.html",
        "tass.ru": f"https://tass.ru/politika/{number}",
        "reuters.com": f"https://www.reuters.com/world/europe/{slug}-{number}-{day:%Y-%m-%d}/",
        "bbc.co.uk": f"https://www.bbc.co.uk/news/articles/c{number}o",
        "pravda.com.ua": f"https://www.pravda.com.ua/news/{ymd}/{number}/",
    }
    url = urls[site]
    if tracking:
        medium = rng.choice(("rss", "facebook", "telegram"))
        url += f"?utm_source={medium}&utm_medium=social"
    return url


def make_article(*, url: str, site: str, title: str, paragraphs: Sequence[str],
                 published_at: datetime | date | None, source_agency: str | None,
                 language: Language, fetched_at: datetime, entry_seq: int,
                 authors: Sequence[str] = (), lead: str | None = None) -> Article:
    """The ``Article`` the cleaner would publish for this scrape: through its own
    ``build_article`` (canonical URL, article id, content hash, word count), with this
    module's cleaner version."""
    body_text = "\n\n".join(paragraphs)
    event = ScrapeEvent(url=url, fetched_at=fetched_at, content_type="text/plain",
                        body=f"{title}\n\n{body_text}", site=site)
    found = Extracted(title=title, body_paragraphs=tuple(paragraphs), lead=lead,
                      published_at=published_at, source_agency=source_agency,
                      authors=tuple(authors), language=language)
    built = build_article(event, found, entry_id=None)
    entry_id = f"{int(fetched_at.timestamp() * 1000)}-{entry_seq}"
    provenance = Provenance(event_id=built.provenance.event_id, fetched_at=fetched_at,
                            cleaner_version=CLEANER_VERSION, source_entry_id=entry_id)
    return Article.model_validate({**built.model_dump(), "provenance": provenance})


def _change_words(rng: random.Random, paragraphs: Sequence[str], vocabulary: Sequence[str],
                  count: int) -> list[str]:
    """``paragraphs`` with ``count`` words (of 4+ letters) replaced by other words."""
    out = list(paragraphs)
    for _ in range(count):
        p = rng.randrange(len(out))
        tokens = out[p].split(" ")
        spots = [i for i, t in enumerate(tokens) if _WORD_CORE.match(t)]
        i = rng.choice(spots)
        head, core, tail = _WORD_CORE.match(tokens[i]).groups()  # type: ignore[union-attr]
        replacement = rng.choice([w for w in vocabulary if w.lower() != core.lower()])
        tokens[i] = f"{head}{replacement}{tail}"
        out[p] = " ".join(tokens)
    return out


def _vocabulary(pool: Sequence[str]) -> list[str]:
    words = {w for s in pool for w in re.findall(r"\w{5,}", s) if not w[0].isdigit()}
    return sorted(words)


# --- the corpus -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Labelled:
    """One article of the corpus, what it is and (for all but originals) the position in
    the list of the article it derives from (a re-scrape's: the version it replaces)."""

    kind: Kind
    article: Article
    source: int | None = None


def labelled_corpus(n: int = 1200, seed: int = 7) -> list[Labelled]:
    """``corpus(n, seed)`` with each article's kind and source."""
    if n < 100:
        raise ValueError("a corpus needs at least 100 articles")
    rng = random.Random(seed)
    n_copy, n_near = round(n * COPY_SHARE), round(n * NEAR_SHARE)
    n_rescrape = round(n * RESCRAPE_SHARE)
    n_original = n - n_copy - n_near - n_rescrape - STALE_COUNT
    vocab = {lang: _vocabulary(_pool_all(lang)) for lang in LANGUAGE_WEIGHTS}
    seq = iter(range(1, 10 * n))

    originals: list[Article] = []
    for i in range(n_original):
        language = _pick(rng, list(LANGUAGE_WEIGHTS.items()))
        site = _pick(rng, SITES_BY_LANGUAGE[language])
        paragraphs = _paragraphs(rng, _pool(rng, language))
        title = _title(rng, paragraphs[0])
        published = _published(rng, site)
        number = 100_000 + i * 37 + rng.randrange(37)
        authors = rng.sample(AUTHORS[language], rng.choice((0, 0, 1, 1, 2)))
        originals.append(make_article(
            url=_url(rng, site, number, title, published, tracking=rng.random() < 0.2),
            site=site, title=title, paragraphs=paragraphs, published_at=published,
            source_agency=_pick(rng, AGENCIES_BY_SITE[site]), language=language,
            fetched_at=_first_fetch(rng, published), entry_seq=next(seq), authors=authors,
            lead=paragraphs[0] if rng.random() < 0.2 else None,
        ))

    # Each original is the source of at most one derived article (of one kind), except
    # that stale versions are also made of re-scraped articles.
    # Near copies are made of longer articles, where a word or two changes few shingles.
    long = [i for i, a in enumerate(originals) if a.word_count >= NEAR_MIN_WORDS]
    near_of = rng.sample(long, n_near)
    taken = set(near_of)
    rest = [i for i in range(n_original) if i not in taken]
    sources = rng.sample(rest, n_copy + n_rescrape + STALE_COUNT // 2)
    copy_of = sources[:n_copy]
    rescrape_of = sources[n_copy:n_copy + n_rescrape]
    stale_plain = sources[n_copy + n_rescrape:]
    stale_after_rescrape = rescrape_of[:STALE_COUNT - len(stale_plain)]

    # (original's position, order after it, kind, article, source position among originals)
    derived: list[tuple[int, int, Kind, Article, int]] = []
    number = 100_000 + 37 * n_original + 1_000  # above every original's number

    def elsewhere(src: Article) -> str:
        others = [s for s, _ in SITES_BY_LANGUAGE[_lang(src)] if s != src.site]
        if not others:  # one site only: another of its articles
            return src.site
        return rng.choice(others)

    def syndicate(src: Article, paragraphs: Sequence[str]) -> Article:
        nonlocal number
        number += 1 + rng.randrange(50)
        site = elsewhere(src)
        fetched = src.provenance.fetched_at + timedelta(minutes=rng.randint(20, 72 * 60))
        return make_article(
            url=_url(rng, site, number, src.title, src.published_at, tracking=False),
            site=site, title=src.title, paragraphs=paragraphs, published_at=src.published_at,
            source_agency=src.source_agency, language=_lang(src), fetched_at=fetched,
            entry_seq=next(seq))

    def later(position: int) -> int:
        return rng.randint(position, min(n_original - 1, position + 150))

    for i in copy_of:
        src = originals[i]
        derived.append((later(i), 1, "copy", syndicate(src, src.body_paragraphs), i))
    for i in near_of:
        src = originals[i]
        changed = _change_words(rng, src.body_paragraphs, vocab[_lang(src)],
                               rng.choices((1, 2), weights=(0.7, 0.3))[0])
        derived.append((later(i), 1, "near", syndicate(src, changed), i))

    rescraped: dict[int, tuple[int, Article]] = {}
    for k, i in enumerate(rescrape_of):
        src = originals[i]
        paragraphs = list(src.body_paragraphs)
        title = src.title
        how = rng.choices(("append", "edit", "retitle"), weights=(0.5, 0.3, 0.2))[0]
        extra = [s for s in _pool_all(_lang(src)) if s not in src.body_text]
        if how == "append" and not extra:  # the article already holds every sentence
            how = "edit"
        if how == "append":
            paragraphs.append(rng.choice(extra))
        else:
            paragraphs = _change_words(rng, paragraphs, vocab[_lang(src)], rng.randint(1, 3))
        if how == "retitle":
            title = f"{src.title} ({_UPDATED[_lang(src)]})"
        fetched = src.provenance.fetched_at + timedelta(minutes=rng.randint(90, 20 * 24 * 60))
        if k == 0:  # newer, although its ISO string sorts before the original's
            fetched = (src.provenance.fetched_at + timedelta(minutes=rng.randint(90, 180))
                       ).astimezone(timezone(timedelta(hours=-4)))
        position = later(i)
        article = _refetch(rng, src, title, paragraphs, fetched, next(seq))
        rescraped[i] = (position, article)
        derived.append((position, 2, "rescrape", article, i))

    for k, i in enumerate([*stale_plain, *stale_after_rescrape]):
        src = originals[i]
        position, newest = rescraped.get(i, (i, src))
        paragraphs = list(src.body_paragraphs[:-1]) if k % 2 == 0 else _change_words(
            rng, src.body_paragraphs, vocab[_lang(src)], 1)
        if k == 0:  # as old as the listed version: "no later than" is stale too
            fetched = newest.provenance.fetched_at
        elif k == 1:  # older, although its ISO string sorts after the listed version's
            fetched = (newest.provenance.fetched_at - timedelta(minutes=90)).astimezone(
                timezone(timedelta(hours=3)))
        else:
            fetched = newest.provenance.fetched_at - timedelta(minutes=rng.randint(5, 2880))
        if isinstance(src.published_at, datetime):  # never fetched before it was published
            fetched = max(fetched, src.published_at + timedelta(minutes=1))
        stale = _refetch(rng, src, src.title, paragraphs, fetched, next(seq))
        derived.append((later(position), 3, "stale", stale, i))

    # Merge: every derived article right after the original at its chosen position,
    # then shift sources to positions in the merged list.
    after: dict[int, list[tuple[int, Kind, Article, int]]] = {}
    for position, order, kind, article, source in derived:
        after.setdefault(position, []).append((order, kind, article, source))
    out: list[Labelled] = []
    where: dict[int, int] = {}  # original index -> position in ``out``
    latest: dict[str, int] = {}  # article id -> position of its newest listed version
    for i, article in enumerate(originals):
        where[i] = len(out)
        latest[article.article_id] = len(out)
        out.append(Labelled("original", article))
        for _, kind, version, source in sorted(after.get(i, []), key=lambda t: t[0]):
            refetch = kind in ("rescrape", "stale")
            origin = latest[version.article_id] if refetch else where[source]
            if kind == "rescrape":
                latest[version.article_id] = len(out)
            out.append(Labelled(kind, version, origin))
    return out


def corpus(n: int = 1200, seed: int = 7) -> list[Article]:
    """``n`` articles, the same list on every call with the same arguments."""
    return [item.article for item in labelled_corpus(n, seed)]


_UPDATED: dict[Language, str] = {
    "bg": "обновена", "ru": "обновлено", "en": "updated", "uk": "оновлено",
}


def _lang(article: Article) -> Language:
    assert article.language in LANGUAGE_WEIGHTS
    return article.language


def _pool_all(language: Language) -> tuple[str, ...]:
    return {"bg": seed_sentences() + BG_SENTENCES, "ru": RU_SENTENCES, "en": EN_SENTENCES,
            "uk": UK_SENTENCES}[language]


def _refetch(rng: random.Random, src: Article, title: str, paragraphs: Sequence[str],
             fetched_at: datetime, entry_seq: int) -> Article:
    """``src``'s URL scraped again (with other tracking parameters: the same article id)."""
    url = src.url + ("?utm_source=rss" if rng.random() < 0.5 else "")
    return make_article(
        url=url, site=src.site, title=title, paragraphs=paragraphs,
        published_at=src.published_at, source_agency=src.source_agency,
        language=_lang(src), fetched_at=fetched_at, entry_seq=entry_seq,
        authors=src.authors, lead=src.lead)


# --- the queries ------------------------------------------------------------------------

QUERIES: list[SearchRequest] = [
    # Inflected forms: one form typed, the others found through stemming.
    SearchRequest("войските"),  # bg definite plural; the seeds also say "войски"
    SearchRequest("президента"),  # bg and ru alike; "президент", "Президентът", "президенту"
    SearchRequest("elections"),  # en plural; "election" too
    SearchRequest("Президенты"),  # ru plural, capitalised; "президента", "президентом"
    SearchRequest("выборах"),  # ru prepositional; the corpus says "выборов", "Выборы"
    SearchRequest("вибори", language="uk"),  # uk, with a language filter
    # Two words, both required.
    SearchRequest("Армения Азербайджан"),
    SearchRequest("inflation rates"),
    SearchRequest("Песков Кремъл"),
    # "Quoted phrases": words in a row.
    SearchRequest('"мирно споразумение"'),
    SearchRequest('"peace deal"'),
    SearchRequest('"ключевую ставку"'),
    SearchRequest('"руския президент"'),  # a phrase of inflected words
    SearchRequest('"мирно споразумение'),  # an unclosed quote: still the phrase
    # OR.
    SearchRequest("Пашинян OR Алиев"),
    SearchRequest("flooding OR wildfire OR heatwave"),
    SearchRequest('"interest rates" OR "ключевую ставку"'),  # phrases of two languages
    # -excluded words.
    SearchRequest("Карабах -Песков"),
    SearchRequest("выборы -явка"),
    # prefix*.
    SearchRequest("избор*"),  # bg: "избори", "изборите"
    SearchRequest("presiden*"),  # en: "president", "presidential", "presidents"
    SearchRequest("миротвор* -Кремъл"),  # a prefix and an exclusion
    # A phrase plus an exclusion, and an excluded phrase.
    SearchRequest('"руските войски" -Кремъл'),
    SearchRequest('Армения -"мирно споразумение"'),
    # Filters: site, language, source agency.
    SearchRequest("Армения", site="bta.bg"),
    SearchRequest("президент", language="ru"),
    SearchRequest("Карабах", source_agency="БТА"),
    SearchRequest("election", source_agency="Reuters"),
    SearchRequest("Armenia", site="novinite.bg", language="en"),  # an English page of a bg site
    # Publication days, both ends inclusive, open at either end.
    SearchRequest("Баку", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)),
    SearchRequest("inflation", date_from=date(2025, 6, 1)),
    SearchRequest("Москва", date_to=date(2025, 2, 15)),
    # One day, with day-only articles and times whose UTC day is the day before.
    SearchRequest("на OR the", date_from=date(2025, 10, 10), date_to=date(2025, 10, 10)),
    # Every filter at once, sorted by date, second page.
    SearchRequest("избори OR изборите", site="dnevnik.bg", language="bg", source_agency="БТА",
                  date_from=date(2025, 2, 1), date_to=date(2025, 11, 30), sort="date",
                  limit=5, offset=2),
    # Sorted by date (newest first; undated articles too).
    SearchRequest("Армения", sort="date"),
    SearchRequest("Armenia", sort="date", language="en", limit=20),
    # Pages.
    SearchRequest("Армения", offset=10),
    SearchRequest("Азербайджан", limit=20, offset=40),
    SearchRequest("Нахичеван", offset=1000),  # past the last hit: a total, no hits
    # Copies as hits of their own.
    SearchRequest("Карабах", include_duplicates=True),
    SearchRequest('"Да, това е вярно"', include_duplicates=True, sort="date"),
    SearchRequest("elections", include_duplicates=True, limit=50),
    # Nothing matches.
    SearchRequest("квантовата телепортация"),  # words found in no article
    SearchRequest("Армения", language="uk"),  # found, but not in Ukrainian articles
    # Most of the corpus matches: a common word; ties ranked the same way everywhere.
    SearchRequest("на"),
    SearchRequest("на OR the", limit=100),  # nearly every article, one full page
    # Latin and Cyrillic mixed.
    SearchRequest("NATO Русия"),  # a Latin and a Cyrillic word in bg articles
    SearchRequest("Reuters iPhone Apple"),  # Latin words in ru articles
    SearchRequest("конструктивными"),  # a Russian word quoted in English articles
    SearchRequest("Москвa"),  # one word of both scripts (a Latin "a"), as one page has it
    SearchRequest("COVID-19"),  # letters and digits joined by a hyphen
    SearchRequest("Ukraine's"),  # an apostrophe inside a word
    SearchRequest("провел"),  # "ё" typed as "е": the corpus has "провёл" and "провел"
    SearchRequest("2020"),  # a number
]
"""The parity test's requests: every one must give the same page on every backend."""
