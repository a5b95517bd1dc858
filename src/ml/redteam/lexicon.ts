/**
 * The attack library's built-in word lists: the spam and prompt-injection trigger words an
 * attacker disguises or rewords, and the benign words and sentences used to dilute a payload.
 * Small on purpose: a campaign must run offline and give the same findings on every machine.
 */

/**
 * Trigger words and phrases (lower case) with plainer ways of saying the same thing.
 * Single words feed `synonym-swap`, phrases `paraphrase-swap`; every single word is also a
 * target for the character-level attacks.
 */
export const TRIGGER_REWRITES: Readonly<Record<string, readonly string[]>> = {
  // Spam and scams
  free: ['complimentary', 'gratis', 'no-cost', 'on the house'],
  winner: ['lucky recipient', 'selected recipient', 'chosen participant'],
  win: ['receive', 'take home', 'walk away with'],
  won: ['been awarded', 'received', 'been picked for'],
  prize: ['reward', 'award', 'gift'],
  claim: ['collect', 'pick up'],
  cash: ['funds', 'payment', 'bank transfer'],
  money: ['funds', 'capital', 'dough'],
  urgent: ['time-sensitive', 'pressing', 'needing attention today'],
  offer: ['proposal', 'opportunity', 'arrangement'],
  click: ['tap', 'select', 'press'],
  viagra: ['the little blue pill', 'v1agra alternative', 'ED medication'],
  cialis: ['the weekend pill', 'daily tadalafil'],
  pills: ['tablets', 'capsules'],
  pharmacy: ['drugstore', 'chemist'],
  cheap: ['affordable', 'low-cost', 'budget'],
  discount: ['markdown', 'price cut', 'reduction'],
  guaranteed: ['assured', 'certain', 'promised'],
  bonus: ['extra reward', 'top-up'],
  lottery: ['sweepstake', 'prize draw'],
  congratulations: ['great news', 'well done'],
  unsubscribe: ['opt out', 'stop these messages'],
  loan: ['advance', 'credit line'],
  credit: ['financing', 'borrowing power'],
  bitcoin: ['digital coin', 'BTC'],
  crypto: ['digital assets', 'tokens'],
  investment: ['opportunity', 'placement'],
  income: ['earnings', 'revenue'],
  earn: ['make', 'bring in'],
  rich: ['wealthy', 'well off'],
  casino: ['gaming site', 'betting lounge'],
  limited: ['exclusive', 'scarce'],
  // Phishing
  password: ['passcode', 'login phrase', 'sign-in secret'],
  verify: ['confirm', 'validate', 'double-check'],
  account: ['profile', 'membership', 'user record'],
  suspended: ['on hold', 'paused'],
  login: ['sign-in', 'access page'],
  bank: ['financial institution', 'card provider'],
  invoice: ['billing statement', 'payment note'],
  // Prompt injection
  ignore: ['disregard', 'set aside', 'overlook'],
  instructions: ['guidance', 'directions', 'rules'],
  previous: ['earlier', 'prior', 'above'],
  override: ['supersede', 'overrule'],
  bypass: ['work around', 'sidestep'],
  jailbreak: ['unlock mode', 'freedom mode'],
  reveal: ['show', 'disclose', 'print out'],
  secret: ['confidential detail', 'hidden value'],
  confidential: ['private', 'internal'],
  prompt: ['setup text', 'initial message'],
  unrestricted: ['without limits', 'unfiltered'],
  // Phrases
  'click here': ['tap the link below', 'follow this link', 'open the page below'],
  'verify your account': ['confirm your profile details', 'validate your membership', 'double-check your user record'],
  'ignore previous instructions': ['disregard the earlier guidance', 'set aside what you were told before', 'forget the rules above'],
  'ignore all previous instructions': ['disregard everything you were told before', 'drop all of the earlier guidance'],
  'act now': ['respond today', 'do not wait'],
  'limited time': ['for a short while only', 'while it lasts'],
  'risk free': ['with no downside', 'zero exposure'],
  'free money': ['complimentary funds', 'funds at no cost'],
  'make money': ['build income', 'grow your earnings'],
  'work from home': ['earn remotely', 'a home-based role'],
  'you have won': ['you have been selected', 'you are the chosen recipient'],
  'claim your prize': ['collect your reward', 'pick up your gift'],
  'update your payment': ['refresh your billing details', 'renew your card details'],
  'system prompt': ['initial setup text', 'hidden preamble'],
  'developer mode': ['unrestricted settings', 'maintenance mode'],
  'do anything now': ['no-limits mode', 'anything-goes mode'],
};

/** The single trigger words, for choosing which words the character-level attacks disguise. */
export const TRIGGER_WORDS: ReadonlySet<string> = new Set(Object.keys(TRIGGER_REWRITES).filter((key) => !key.includes(' ')));

/** Words typical of legitimate mail and chat, for the good-word attack. */
export const BENIGN_WORDS: readonly string[] = [
  'meeting', 'agenda', 'project', 'schedule', 'report', 'review', 'notes', 'draft', 'team', 'lunch',
  'weekend', 'family', 'thanks', 'regards', 'tomorrow', 'yesterday', 'attached', 'minutes', 'calendar', 'update',
  'patch', 'release', 'sprint', 'feedback', 'document', 'summary', 'colleague', 'office', 'holiday', 'birthday',
  'dinner', 'coffee', 'garden', 'kids', 'school', 'library', 'weather', 'train', 'ticket', 'hotel',
  'conference', 'slides', 'budget', 'quarter', 'deadline', 'proposal', 'comments', 'version', 'branch', 'commit',
  'thread', 'question', 'answer', 'friday', 'monday', 'morning', 'afternoon', 'evening', 'recipe', 'photos',
  'soccer', 'practice', 'doctor', 'appointment', 'groceries', 'neighbour', 'package', 'delivery', 'invitation', 'wedding',
  'mailing', 'list', 'archive', 'kernel', 'compile', 'server', 'backup', 'config', 'tests', 'pull',
];

/** Everyday sentences, for burying or fragmenting a payload. */
export const BENIGN_SENTENCES: readonly string[] = [
  'Thanks for sending the meeting notes yesterday.',
  'I will be in the office a bit later tomorrow morning.',
  'Could you review the draft before Friday?',
  'The kids had a great time at soccer practice.',
  'Lunch on Thursday works for me, the usual place?',
  'I attached the slides from the quarterly review.',
  'Let me know if the new schedule suits the team.',
  'The weather has been lovely here this week.',
  'We fixed the build on the release branch this afternoon.',
  'My flight lands at six, so I should make dinner.',
  'Happy birthday, hope you have a wonderful day!',
  'The library is closed on Monday for the holiday.',
  'Can we move our call to half past two?',
  'I left the spare keys with the neighbour.',
  'The conference agenda is on the shared calendar.',
  'Please add your comments to the document when you can.',
  'Grandma sends her love and the recipe you asked for.',
  'The package should arrive before the weekend.',
  'Good catch on the typo in section three.',
  'We are planning a small garden party in June.',
  'The doctor moved my appointment to next week.',
  'I pushed a patch for the failing tests.',
  'See you at the school concert on Wednesday.',
  'The minutes from the board meeting are attached.',
  'Remember to bring your laptop charger this time.',
  'I booked the hotel near the train station.',
  'Our sprint review went well, thanks to everyone.',
  'The photos from the wedding came out beautifully.',
  'Let us grab coffee after the standup.',
  'I will send the summary once the numbers are final.',
  'The mailing list archive has the whole thread.',
  'Dinner is at seven, feel free to bring a friend.',
];
