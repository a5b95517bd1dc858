/**
 * A built-in corpus of short everyday messages, generated from templates: chat lines,
 * short replies and notifications (sign-in codes, deliveries, bookings, receipts) labelled
 * 0, and short phishing and spam lures without mail headers labelled 1.
 *
 * Why it exists: the SpamAssassin corpus is long mail whose ham is mostly technical
 * mailing lists, so a model trained on it alone has never seen a one-line chat message or
 * a delivery notice and calls half of them spam. These rows teach the short end of the
 * input distribution. They are generated (deterministic, no download) and written apart
 * from the hand-written evaluation set in test/fixtures/short-messages.jsonl, which no
 * template copies: no row shares a run of six words with it (checked by
 * test/store/datasets/everyday-messages.test.ts).
 */
import type { BuiltinCorpus } from '../../domain/ports/builtin-corpus.js';

type Slots = Readonly<Record<string, readonly string[]>>;

const SLOTS: Slots = {
  name: ['Sam', 'Alex', 'Priya', 'Jordan', 'Mia', 'Tom', 'Lena', 'Carlos', 'Aisha', 'Ben', 'Yuki', 'Olga', 'Dad', 'Mum', 'Grandpa'],
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'tomorrow', 'tonight', 'next week'],
  time: ['8:15', '9am', '10:30', 'noon', '1pm', '2:45', '4pm', '6:30', '7', 'half past five'],
  place: ['the cafe', 'the station', 'the office', 'the park', 'the gym', 'school', 'the library', 'the pub', 'the airport', 'the clinic'],
  food: ['pizza', 'tacos', 'sushi', 'curry', 'pasta', 'burgers', 'soup', 'salad'],
  item: ['charger', 'umbrella', 'keys', 'laptop', 'jacket', 'book', 'headphones', 'passport'],
  task: ['the report', 'the slides', 'the budget', 'the draft', 'the review', 'the invoice', 'the release notes', 'the survey results'],
  event: ['the game', 'the concert', 'the wedding', 'the school play', 'the barbecue', 'book club', 'the match', 'the meetup'],
  minutes: ['5', '10', '15', '20', '30', '45'],
  code: ['318274', '905512', '447190', '662031', '120988', '573346', '880417', '239605'],
  amount: ['$12.40', '$38.00', '$7.99', '$120.00', '$64.15', '€25.00', '£18.50', '$250.00'],
  carrier: ['UPS', 'FedEx', 'DHL', 'the post office', 'Royal Mail', 'the courier'],
  service: ['your bank', 'the pharmacy', 'the dentist', 'the garage', 'the vet', 'the clinic', 'the salon'],
  app: ['Google', 'Microsoft', 'GitHub', 'Slack', 'Dropbox', 'your bank app', 'Steam', 'Discord'],
  brand: ['PayPal', 'Amazon', 'Apple', 'Netflix', 'your bank', 'Microsoft', 'Wells Fargo', 'Chase', 'FedEx', 'the IRS'],
  prize: ['a $1000 gift card', 'a free iPhone', 'a luxury cruise', '$5,000 cash', 'a brand new car', 'a free laptop', 'a $500 voucher'],
  domain: ['secure-login-check.com', 'account-verify-now.net', 'claim-reward-today.info', 'billing-update-center.co', 'parcel-fee-pay.top', 'support-unlock-id.xyz'],
  drug: ['Viagra', 'Cialis', 'Xanax', 'weight loss pills', 'diet pills', 'Valium'],
  money: ['$3,000 a week', '$500 a day', '$10k a month', 'six figures', '$250 per hour'],
  crypto: ['Bitcoin', 'crypto', 'our new token', 'Ethereum', 'forex'],
  team: ['the backend team', 'marketing', 'the design crew', 'support', 'finance', 'the QA folks', 'ops'],
  repo: ['the api repo', 'the mobile app', 'the billing service', 'the docs site', 'the data pipeline', 'the search index'],
  sport: ['football', 'tennis', 'the 5k run', 'basketball', 'yoga', 'swimming', 'cricket', 'climbing'],
  show: ['that new series', 'the documentary', 'the finale', 'the podcast episode', 'the cooking show', 'the movie'],
  chore: ['the dishes', 'the laundry', 'the bins', 'the lawn', 'the groceries', 'the recycling', 'the car wash'],
  store: ['the hardware store', 'the bakery', 'the pharmacy', 'the supermarket', 'the bookshop', 'the garden centre'],
  relative: ['your sister', 'my brother', 'Aunt May', 'the neighbours', 'your cousin', 'Grandma', 'my parents'],
  weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  count: ['2', '3', '4', '6', '12'],
  thing: ['the bike', 'the sofa', 'the desk', 'the lamp', 'the stroller', 'the bookshelf', 'the guitar'],
};

const BENIGN_TEMPLATES: readonly string[] = [
  'hey {name}, are we still meeting at {place} {day}?',
  'running about {minutes} minutes late, sorry',
  'can you grab my {item} from {place}?',
  'thanks {name}, that really helped',
  'see you at {time} {day}',
  'do you want {food} for dinner {day}?',
  'I left my {item} at {place}, can you bring it?',
  'sure, {time} works for me',
  'no problem, talk {day}',
  'did you finish {task}? no rush',
  'I sent {task} to {name} this morning',
  "can't make it {day}, can we move it to {time}?",
  'are you going to {event} {day}?',
  'how was {event}? wish I could have come',
  'on my way, see you in {minutes}',
  'just got home, call you later',
  'ok, I will pick up the kids at {time}',
  'good luck with {task} today!',
  'happy birthday {name}! have a lovely day',
  'thank you so much for dinner last night',
  'can you check {task} before {time}?',
  "I'm at {place}, where are you?",
  'the meeting is moved to {day} at {time}',
  'yes please, and thanks for asking',
  'love you, see you {day}',
  'got it, thanks',
  'sounds great, count me in',
  'is {place} open {day}?',
  'we need milk and bread, can you stop by the shop?',
  'the train is delayed, I will be there around {time}',
  'can you send me the photos from {event}?',
  'please remind {name} about {task}',
  'Your verification code is {code}. Do not share it with anyone.',
  '{code} is your {app} sign-in code.',
  'Use {code} to confirm your sign-in to {app}. The code expires in {minutes} minutes.',
  'Your package from {carrier} will arrive {day} between {time} and 6pm.',
  '{carrier}: your parcel was delivered and left at the front door.',
  'Your order has shipped with {carrier} and should arrive {day}.',
  'Reminder: your appointment at {service} is {day} at {time}.',
  '{service} confirmed your booking for {day} at {time}. Reply C to cancel.',
  'Payment received: {amount}. Thank you for your purchase.',
  'You paid {amount} to {name}. View the receipt in the app.',
  'Your {amount} transfer to {name} has been completed.',
  'Calendar: {task} review, {day} {time}, room 4B.',
  'Your table for two is booked for {day} at {time}.',
  'Your ride is {minutes} minutes away.',
  'New sign-in to your {app} account on a new device. If this was you, you can ignore this.',
  'Your statement for this month is ready to view.',
  'Your flight to Chicago is on time, boarding at {time}.',
  'Your library books are due back {day}.',
  'Your bill of {amount} is due {day}. Autopay is on.',
  'Weather update: rain expected {day}, bring an umbrella.',
  '{service}: your prescription has been filled and can be collected from today.',
  // More chat, replies, work messages and notifications, some holding words spam also uses
  // (free, won, offer, click, urgent, account, verify, cash, deal, link, money) in messages
  // that are not spam. bench:robustness: with them (and no refit, see retrain-triggers.ts)
  // the short-message false-positive rate fell from 7.8 % to 1.0 %; the lines with spam's
  // words alone did not lower it (8.8 %): the plain chat lines did.
  'are you free {day}? thinking of trying {place}',
  'we won {event}!! {count} nil, what a night',
  'I got the offer from the new job, starting {day}',
  'click the blue button at the top and it should load',
  'not urgent, but can you look at {task} when you get a sec?',
  'urgent-ish: {name} needs the keys before {time}',
  'can you verify the totals in {task}? something looks off',
  'I can pay cash for {thing} if that is easier',
  'the deal on {thing} fell through, the buyer never showed up',
  'call me when you land, no matter how late',
  'here is the link to the photos from {event}, enjoy',
  'I owe you {amount} for the tickets, sending it now',
  'can you transfer me {amount} for dinner? no rush',
  'she won a prize at the science fair, so proud',
  'free for a quick call at {time}?',
  'the gym has a free trial this month, want to come?',
  'my account at the library expired, I need to renew it',
  'I made a new account for the school portal, the password is in the usual place',
  'the offer still stands, dinner at ours {day}',
  'money is tight this month so let us skip {event}',
  'lol yes',
  'haha that is amazing',
  'omg I forgot about {event}',
  'nope, all good here',
  'thanks!! see you soon',
  'yes, {time} is perfect',
  'sorry, missed your call, what is up?',
  'did {relative} get home ok?',
  'can you take out {chore} tonight? I am stuck at work',
  'I did {chore}, your turn tomorrow',
  'picking up bread from {store}, need anything?',
  '{store} closes at {time} on {day}, just so you know',
  'watching {show} tonight, no spoilers please',
  'have you seen {show}? it is so good',
  '{sport} is cancelled {day} because of the rain',
  'great game today, same time next week?',
  'is {thing} still for sale? I can pick it up {day}',
  'yes {thing} is still available, it is in good shape',
  'would you take {amount} for {thing}?',
  '{relative} says hi and thanks for the flowers',
  'dinner is in the oven, back in {minutes}',
  'I booked the tickets for {event}, {count} seats together',
  'I put my notes from the call in our team folder, add yours when you can',
  'standup moved to {time}, {name} is out today',
  'CI passes again after your fix, nice one',
  'deploying {repo} after lunch, shout if you see errors',
  'got a small change on {repo} waiting for your eyes when you have time',
  'merged, thanks for the review',
  'the tests on {repo} are flaky again, looking into it',
  'heads up: {team} is on call this week',
  'have you got {minutes} minutes? I am stuck on {task}',
  'I will be offline {day} afternoon, dentist',
  'welcome to the team {name}! ping me with any questions',
  'lunch order for {team}: {food} from the place on the corner',
  'reminder to submit your hours by {weekday}',
  'the office wifi is down again, working from home',
  'can we push our 1:1 to {weekday}?',
  'slides look great, just fix the typo on page {count}',
  'thanks for covering for me {day}, I owe you one',
  'the kids loved {event}, thank you for inviting us',
  'school is closed {day} for the teacher training day',
  'parent evening is {weekday} at {time}, can you come?',
  'the plumber is coming {day} between {time} and noon',
  'rent is paid for this month, receipt is in the email',
  'the parcel for {relative} came to our house by mistake',
  'Your new card has been mailed and will arrive in {count} to 5 business days.',
  'Your password was changed. If you did this, no action is needed.',
  'Your subscription renews on the 3rd. Manage it any time in settings.',
  'Your appointment with {service} has been rescheduled to {day} at {time}.',
  'Order confirmed: {count} items, pickup at {store} after {time}.',
  'Your refund of {amount} has been issued to your original payment method.',
  'Low balance alert: your checking account is below {amount}.',
  'Your water bill of {amount} was paid automatically. Thank you.',
  'Your {sport} class {day} at {time} is full, you are on the waiting list.',
  'Your car is ready to collect from {service}. We close at 6pm.',
  'School bus is running {minutes} minutes late this morning.',
  'Storm warning for {day}: stay indoors if you can.',
  'Your electricity usage this month was lower than last month.',
  'Thanks for voting! Your ballot has been received.',
];

const MALICIOUS_TEMPLATES: readonly string[] = [
  'Congratulations!! {prize} is yours. Tap the link to collect the reward today!',
  'URGENT: {brand} suspended your access. Re-validate who you are at {domain}',
  'Your {brand} account is locked. Re-enter your details before tomorrow: {domain}',
  'Final notice: your package is on hold. Pay the customs fee at {domain}',
  'You have been selected to receive {prize}! Reply YES to claim.',
  'Make {money} from your sofa, zero skills required. Join today!',
  'Buy cheap {drug} online, no prescription needed, discreet delivery.',
  'Turn {crypto} into twice as much overnight, returns guaranteed! Invest now.',
  'We detected suspicious activity on your {brand} account. Log in at {domain} to verify.',
  'We could not charge your card. Fix your billing at {domain} to avoid suspension.',
  'Our lottery draw picked you! Give us your bank info to get {prize}.',
  'Act now! Pre-approved loan with no credit check, get cash today.',
  'Your {brand} password expires today. Keep it by signing in here: {domain}',
  'Limited time offer: {drug} at 80% off, order now!',
  'Hot singles near you want to chat tonight, click here.',
  'I have a video of you. Send $1500 in {crypto} or I will share it with your contacts.',
  'Your mailbox is full. Click the link to upgrade your storage: {domain}',
  'Claim your tax refund of {amount} now, submit your card details online.',
  'Urgent request from the CEO: pick up some gift cards and text me the numbers on the back.',
  'Get rich fast with {crypto}! Join our private investment group for guaranteed profit.',
  'Dear customer, confirm your account or it will be deleted today: {domain}',
  'You have an unclaimed reward of {prize}. Verify your address to receive it.',
  'Make {money} from your phone, free to join, click the link!',
  'Your {brand} card has been blocked. Call now or reactivate at {domain}',
  'Exclusive deal: designer watches 90% off, buy now while stocks last!',
  'Your computer has a virus! Download our free cleaner now.',
  'Winner! Answer with your name and account number to get {prize}.',
  'Lose weight fast with our miracle {drug}, results guaranteed!',
  'Your {brand} refund is pending. Enter your card number and PIN at {domain}',
  'Free entry to win {prize}! Text WIN to 80080 now.',
];

/** Every template with each slot filled in turn, cycling through slot values so lines differ. */
function expand(templates: readonly string[], perTemplate: number, salt: number): string[] {
  const out: string[] = [];
  templates.forEach((template, t) => {
    for (let k = 0; k < perTemplate; k++) {
      let slot = 0;
      out.push(
        template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const values = SLOTS[name];
          if (values === undefined) throw new Error(`template slot {${name}} has no values`);
          slot++;
          // A fixed mixing of template, variant and slot picks a value; no randomness at run time.
          const index = Math.imul(t * 31 + k * 7 + slot * 13 + salt, 0x9e3779b1) >>> 0;
          return values[index % values.length]!;
        }),
      );
    }
  });
  return [...new Set(out)];
}

/** The corpus rows: ≈ 870 benign and ≈ 200 malicious short messages, in a fixed order. */
export function everydayMessages(): Array<{ text: string; label: 0 | 1 }> {
  const benign = expand(BENIGN_TEMPLATES, 12, 1).map((text) => ({ text, label: 0 as const }));
  const malicious = expand(MALICIOUS_TEMPLATES, 14, 2).map((text) => ({ text, label: 1 as const }));
  return [...benign, ...malicious];
}

export const everydayMessagesCorpus: BuiltinCorpus = {
  name: 'everyday-messages',
  description: 'Short everyday messages generated from templates (chat lines, notifications, short phishing and spam lures without mail headers); written for Warden',
  load: async () => everydayMessages(),
};
