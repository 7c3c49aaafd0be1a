/**
 * Our sentiment lexicon: general English plus the language of sales mail, on a VADER-like
 * valence scale (−4 … +4), with phrases, negators, intensifiers and emotion word lists.
 * Written by hand for this project; pure data.
 */

const bucket = (valence: number, words: string): [string, number][] => words.trim().split(/\s+/).map((w) => [w, valence]);

export const WORD_VALENCE: ReadonlyMap<string, number> = new Map<string, number>([
  ...bucket(3.2, `love loved loving loves adore adored amazing awesome excellent exceptional fantastic fabulous brilliant outstanding superb
    wonderful phenomenal perfect perfectly incredible thrilled delighted ecstatic masterpiece stellar flawless gem superb magnificent
    breathtaking stunning spectacular exquisite sublime heavenly best`),
  ...bucket(2.4, `great impressed impressive enjoy enjoyed enjoying enjoyable happy glad pleased excited exciting beautiful beautifully delicious tasty
    fun charming gorgeous lovely terrific solid strong recommend recommended smooth smoothly seamless seamlessly easy intuitive
    helpful valuable perfect fresh friendly attentive generous thrilling moving gripping compelling favorite favourite satisfied
    grateful appreciate appreciated thankful win winner winning success successful powerful reliable efficient elegant
    refreshing superb fast quick responsive heartwarming hilarious funny clever witty rich warm cozy crisp spotless`),
  ...bucket(1.6, `good nice like liked likes fine decent interested interest keen eager promising useful helpful positive
    clear clean comfortable fair reasonable affordable worth worthwhile enthusiastic hopeful confident approve approved
    agree agreed works working happy yes sure absolutely definitely pleasant cool neat tidy accurate well improve improved
    improvement benefit benefits convenient flexible supportive excellent ready keen competitive welcome welcomed glad
    fits fit aligned progress exciting wow congratulations congrats kudos bravo solved resolved fixed`),
  ...bucket(0.8, `ok okay thanks thank appreciate hope fair adequate acceptable alright signed approve`),
  ...bucket(0.4, `curious`),
  ...bucket(-1.4, `spam spamming unsolicited harassment suspended`),
  ...bucket(-0.9, `concern concerned concerns unsure unclear hesitant doubt doubts question questions issue issues slow slowly busy pricey
    expensive costly complicated complex confusing confused tricky limited lacking lacks missing mediocre average bland
    meh dull long lengthy wait waiting pause delay delayed postpone postponed hold unfortunately sadly risk risky tight
    cautious skeptical sceptical overpriced noisy cramped cold stale predictable forgettable generic`),
  ...bucket(-1.8, `bad poor problem problems disappointing disappointed disappoint frustrating frustrated frustration annoying annoyed
    unhappy upset difficult hard broken bug bugs buggy error errors fail failed fails failing failure crash crashed crashes
    wrong worse lost lose losing waste wasted worried worry hate hated hates boring bored weak clunky confusing slowest
    unreliable unresponsive ignored ignoring overcharged overcharge charged refund cancel cancelling canceling cancellation
    churn complaint complain complained complaining inconvenient mess messy sloppy rude dirty greasy soggy
    bland overcooked undercooked tasteless dry bitter painful pain stuck unusable outage down downtime lag laggy glitch glitchy
    regret unfortunately sorry declined decline reject rejected rejecting refuse refused mistake mistakes missed incorrect
    inaccurate lacklustre lackluster shallow clumsy tedious flawed cheap flimsy faulty defective`),
  ...bucket(-2.8, `terrible awful horrible horrendous dreadful worst disaster disastrous unacceptable useless pathetic ridiculous
    outrageous furious angry livid disgusted disgusting disgrace appalling atrocious abysmal garbage trash rubbish nightmare
    scam fraud ripoff incompetent insulting hostile toxic miserable infuriating infuriated unbearable unwatchable inedible
    dreadful shameful lousy crap sucks sucked hideous vile`),
  ...bucket(1.6, `laughed laugh laughing sharp witty charming engaging delightful memorable satisfying tender touching uplifting fresh vibrant
    cozy comfy juicy crispy flavorful flavourful authentic generous roomy spacious quiet sturdy durable comfortable handy snappy
    responsive polished gorgeous elegant thoughtful wholesome hearty savory savoury moist fluffy tender rewarding immersive`),
  ...bucket(-1.6, `lazy miscast pretentious overlong overrated overhyped asleep tiny cramped leaks leaking leaked smelled smelly stained
    unhelpful uncomfortable overheats overheating loud thin broke breaks cracked wobbly greasy salty stale rubbery chewy burnt
    undercooked lukewarm cold dated shabby dusty moldy mouldy filthy sticky noisy clunky sluggish laggy unstable shoddy poorly
    letdown disjointed incoherent tedious tiresome forgettable unfunny cringe cringey cheesy clichéd cliched derivative bloated
    convoluted pointless soulless lifeless hollow rushed apologised apologized poisoning sick ill headache`),
]);

/**
 * Sales-mail expressions, read in business mode only (before PHRASE_VALENCE): words that carry
 * a review's valence but are neutral set phrases in sales mail ("cold call", "quick question",
 * "the best you can do"), and the ways buyers say a price or a vendor disappoints them.
 * Found from errors on the tuning split (never the held-out one); general text is unaffected.
 */
export const SALES_PHRASE_VALENCE: ReadonlyMap<string, number> = new Map<string, number>([
  ['cold call', 0],
  ['cold called', 0],
  ['cold email', 0],
  ['quick note', 0],
  ['quick question', 0],
  ['quick call', 0],
  ['quick chat', 0],
  ['quick update', 0],
  ['welcome pack', 0],
  ['welcome kit', 0],
  ['welcome email', 0],
  ['welcome call', 0],
  ['how long', 0],
  ['looks like', 0],
  ['look like', 0],
  ['best time', 0],
  ['best way', 0],
  ['best price', 0],
  ['best you can', 0],
  ['best we can', 0],
  ['more than we expected', -1.6],
  ['higher than expected', -1.6],
  ['higher than we expected', -1.6],
  ['seems steep', -1.6],
  ['is steep', -1.6],
  ['too steep', -2.0],
  ['not convinced', -1.8],
  ['third time', -1.4],
  ['asked you to stop', -2.0],
  ['told you to stop', -2.0],
]);

/** Multi-word expressions, matched on lowercased tokens before single words (the words inside are then skipped). */
export const PHRASE_VALENCE: ReadonlyMap<string, number> = new Map<string, number>([
  ['not interested', -2.2],
  ['no longer interested', -2.4],
  ['no interest', -2.2],
  ['not a fit', -1.8],
  ['not the right fit', -1.8],
  ['not a good fit', -1.8],
  ['not a priority', -1.4],
  ['too expensive', -2.0],
  ['too pricey', -2.0],
  ['too costly', -2.0],
  ['too slow', -1.8],
  ['too complicated', -1.8],
  ['over budget', -1.6],
  ['out of budget', -1.6],
  ['out of our budget', -1.6],
  ['above our budget', -1.6],
  ['budget is frozen', -1.6],
  ['budget freeze', -1.6],
  ['deal breaker', -2.0],
  ['dealbreaker', -2.0],
  ['waste of time', -2.6],
  ['waste of money', -2.6],
  ['sounds good', 1.8],
  ['sounds great', 2.4],
  ['looks good', 1.8],
  ['looks great', 2.4],
  ['works for me', 1.4],
  ['works for us', 1.4],
  ['move forward', 1.8],
  ['moving forward', 1.6],
  ['go ahead', 1.6],
  ['on board', 1.6],
  ['no problem', 1.2],
  ['no problems', 1.2],
  ['no issues', 1.2],
  ['no issue', 1.0],
  ['no worries', 0.8],
  ['no complaints', 1.6],
  ['not bad', 1.4],
  ['not too bad', 1.2],
  ['well done', 2.2],
  ['big fan', 2.4],
  ['huge fan', 2.8],
  ['game changer', 2.8],
  ['game-changer', 2.8],
  ['blown away', 2.8],
  ['fell in love', 3.0],
  ['let down', -2.0],
  ['stopped working', -2.2],
  ['never worked', -2.0],
  ['never answered', -1.8],
  ['never comes alive', -2.0],
  ['makes no sense', -1.8],
  ['no sense', -1.4],
  ['fall flat', -2.0],
  ['cash grab', -2.2],
  ['walked out', -2.0],
  ['never get back', -2.2],
  ['used to be good', -1.6],
  ['barely lasts', -1.8],
  ['no sleep', -1.6],
  ['without hesitation', 1.6],
  ['made up for', 1.4],
  ['made up for it', 1.4],
  ['food poisoning', -2.8],
  ['more than made up', 1.8],
  ['letdown', -2.0],
  ['fell flat', -2.0],
  ['falls flat', -2.0],
  ['fall short', -1.8],
  ['falls short', -1.8],
  ['fell short', -1.8],
  ['still waiting', -1.8],
  ['still not', -1.4],
  ['no response', -1.6],
  ['no one', -0.6],
  ['nobody', -0.6],
  ['never again', -2.6],
  ['not worth', -2.0],
  ['worth it', 2.0],
  ['worth every penny', 3.0],
  ['highly recommend', 3.0],
  ['would recommend', 2.2],
  ['would not recommend', -2.4],
  ["wouldn't recommend", -2.4],
  ['do not recommend', -2.4],
  ["don't recommend", -2.4],
  ['stay away', -2.6],
  ['steer clear', -2.6],
  ['second to none', 3.0],
  ['top notch', 2.8],
  ['top-notch', 2.8],
  ['hit the spot', 2.2],
  ['on time', 1.0],
  ['ahead of schedule', 1.8],
  ['behind schedule', -1.6],
  ['no thanks', -1.4],
  ['no thank you', -1.4],
  ['hold off', -1.2],
  ['put on hold', -1.4],
  ['on hold', -1.0],
  ['pushed back', -1.2],
  ['pass on', -1.2],
  ['went with', -1.0],
  ['going with', -0.8],
  ['decided to go with', 0],
  ['would like', 0],
  ['good morning', 0],
  ['good afternoon', 0],
  ['good evening', 0],
  ['all the best', 0.3],
  ['no questions', 0],
  ['no question', 0],
  ["i'd like", 0],
  ["we'd like", 0],
  ['like to', 0],
  ['works best', 0.4],
  ['best way', 0],
  ['happy holidays', 0.3],
  ['go for it', 2.0],
  ["we're in", 2.0],
  ['count us in', 2.0],
  ['want to buy', 1.6],
  ['ready to', 1.2],
  ['stop emailing', -1.8],
  ['stop sending', -1.8],
  ['stop contacting', -1.8],
  ['stop calling', -1.8],
  ['stop spamming', -2.2],
  ['stop messaging', -1.8],
  ['never signed up', -1.6],
  ['not what', -0.6],
  ['no need', -0.8],
  ["don't see the value", -1.8],
  ['not proceed', -1.6],
  ['decided not to', -1.4],
  ['signed with', -1.2],
  ['third time', -1.4],
  ['yet again', -1.4],
  ['once again', -0.8],
  ['fed up', -2.6],
  ['happy to', 0.6],
  ['glad to', 0.6],
  ['feel free', 0.2],
  ['let me know', 0],
  ['thank you', 0.8],
  ['thanks for', 0.8],
  ['looking forward', 1.4],
  ['look forward', 1.4],
  ['excited to', 2.0],
  ['can not wait', 2.0],
  ["can't wait", 2.0],
  ['cannot wait', 2.0],
  ['way too', -0.8],
  ['too long', -1.4],
  ['too much', -1.0],
  ['not working', -2.0],
  ['does not work', -2.0],
  ["doesn't work", -2.0],
  ["isn't working", -2.0],
  ["won't load", -2.0],
  ["can't log in", -1.8],
  ['cannot log in', -1.8],
  ['kind of', 0],
  ['sort of', 0],
]);

export const NEGATORS: ReadonlySet<string> = new Set(
  `not no never none nobody nothing neither nor without hardly barely scarcely isnt isn't aint ain't arent aren't cant can't cannot
   couldnt couldn't dont don't doesnt doesn't didnt didn't wasnt wasn't werent weren't wont won't wouldnt wouldn't shouldnt shouldn't
   havent haven't hasnt hasn't hadnt hadn't neednt needn't lack lacks lacked`.split(/\s+/),
);

export const BOOSTERS: ReadonlyMap<string, number> = new Map<string, number>([
  ...bucket(0.35, 'very really so super extremely incredibly absolutely highly totally truly especially exceptionally remarkably genuinely seriously'),
  ...bucket(0.5, 'most utterly completely deeply hugely massively insanely'),
  ...bucket(0.25, 'quite pretty too such much more particularly'),
  ...bucket(-0.35, 'slightly somewhat barely marginally little bit kinda sorta mildly fairly rather partly'),
]);

/** Words that turn the weight toward the clause after them ("…, but …"). */
export const CONTRAST_AFTER: ReadonlySet<string> = new Set(['but', 'however', 'yet', 'though', 'unfortunately', 'sadly', 'nevertheless', 'nonetheless']);
/** Words that turn the weight toward the main clause after their own ("Although …, …"). */
export const CONTRAST_BEFORE: ReadonlySet<string> = new Set(['although', 'despite', 'while', 'whilst', 'even though']);

/** Technical problem words: a factual problem report is not, by itself, negative in business mail. */
export const TECHNICAL: ReadonlySet<string> = new Set(
  `error errors bug bugs buggy crash crashed crashes failing fail failed fails failure broken issue issues problem problems glitch glitchy outage down downtime lag laggy stuck missing unusable slow not working does not work doesn't work isn't working won't load can't log in cannot log in concern concerns question questions risk unclear limited wait waiting delay delayed hold pause`.split(/\s+/).concat(['not working', 'does not work', "doesn't work", "isn't working", "won't load", "can't log in", 'cannot log in']),
);

/** Politeness formulas carry little sentiment in business mail. */
export const POLITE: ReadonlySet<string> = new Set(['thanks', 'thank', 'hope', 'appreciate', 'ok', 'okay', 'please', 'sure', 'well', 'fine', 'happy to', 'glad to', 'thank you', 'thanks for', 'looking forward', 'look forward', 'yes']);

const emo = (words: string) => new Set(words.trim().split(/\s+/));
export const EMOTION_WORDS = {
  joy: emo(`love loved happy glad pleased delighted thrilled excited great wonderful amazing awesome fantastic enjoy enjoyed fun joy celebrate congratulations congrats perfect excellent beautiful lovely brilliant`),
  trust: emo(`trust reliable recommend recommended confident secure safe partner partnership depend dependable proven honest transparent credible certified compliant approve approved agreed guarantee solid`),
  fear: emo(`worried worry concern concerned concerns risk risky afraid fear nervous anxious breach unsure uncertain hesitant doubt threat vulnerable exposure scared lose losing`),
  surprise: emo(`surprised surprise surprising unexpected unexpectedly suddenly wow shocked shocking sudden amazed astonished`),
  sadness: emo(`sad sadly unfortunately disappointed disappointing sorry regret unhappy miss missed lost loss letdown down miserable`),
  anger: emo(`angry furious frustrated frustrating annoyed annoying unacceptable outrageous ridiculous livid infuriating mad hate rude fed escalate complaint complain insulting`),
  anticipation: emo(`looking forward soon excited eager keen plan planning next upcoming expect expecting await awaiting anticipate launch ready schedule tomorrow deadline`),
  disgust: emo(`disgusting disgusted gross awful terrible horrible garbage trash rubbish vile scam ripoff appalling nasty filthy dirty`),
} as const;
