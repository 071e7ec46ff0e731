/**
 * Words that real script names are built from (web software, forms, German and English
 * site vocabulary). A name made of these is not random, however odd its letters look
 * ("xmlrpc", "phpmailer"). Data, not code: add a word when an innocent name is flagged.
 */
export const NAME_WORDS: readonly string[] = [
  // software and protocols
  'wp', 'wordpress', 'joomla', 'drupal', 'typo3', 'magento', 'shopware', 'contao', 'plesk', 'confixx',
  'php', 'phpmailer', 'mailer', 'smtp', 'imap', 'pop3', 'xmlrpc', 'rpc', 'xml', 'json', 'ajax', 'api',
  'rest', 'soap', 'rss', 'atom', 'feed', 'cgi', 'bin', 'html', 'htm', 'css', 'js', 'sql', 'mysql', 'db',
  'cron', 'cli', 'lib', 'libs', 'vendor', 'autoload', 'composer', 'class', 'classes', 'inc', 'include',
  'includes', 'func', 'functions', 'plugin', 'plugins', 'module', 'modules', 'theme', 'themes', 'widget',
  'template', 'templates', 'core', 'app', 'phpinfo', 'info', 'test', 'tests', 'debug', 'dev', 'demo',
  // pages and actions
  'index', 'default', 'home', 'main', 'start', 'page', 'pages', 'site', 'web', 'www', 'portal', 'blog',
  'news', 'post', 'posts', 'comment', 'comments', 'trackback', 'pingback', 'login', 'logout', 'signin',
  'signup', 'register', 'registration', 'auth', 'account', 'profile', 'user', 'users', 'member', 'members',
  'admin', 'administrator', 'panel', 'dashboard', 'config', 'configuration', 'settings', 'setup', 'install',
  'installer', 'update', 'upgrade', 'upload', 'uploads', 'download', 'downloads', 'file', 'files', 'image',
  'images', 'img', 'gallery', 'media', 'search', 'shop', 'cart', 'checkout', 'order', 'orders', 'payment',
  'paypal', 'product', 'products', 'catalog', 'forum', 'guestbook', 'poll', 'survey', 'calendar', 'event',
  'events', 'load', 'scripts', 'script', 'styles', 'style', 'redirect', 'link', 'links', 'sitemap', 'map',
  'captcha', 'token', 'session', 'cache', 'tmp', 'temp', 'backup', 'export', 'import', 'print', 'view',
  'edit', 'delete', 'save', 'submit', 'process', 'handler', 'action', 'actions', 'callback', 'ipn',
  // mail and forms
  'mail', 'email', 'mails', 'sendmail', 'send', 'sender', 'newsletter', 'subscribe', 'unsubscribe', 'notify',
  'contact', 'contacts', 'form', 'forms', 'formmail', 'feedback', 'inquiry', 'enquiry', 'request', 'quote',
  'booking', 'reservation', 'thanks', 'thank', 'thankyou', 'you', 'about', 'us', 'help', 'faq', 'support',
  'privacy', 'terms', 'legal', 'imprint', 'career', 'careers', 'jobs', 'apply', 'recommend', 'tell', 'friend',
  // German site vocabulary
  'kontakt', 'formular', 'anfrage', 'impressum', 'datenschutz', 'anmeldung', 'anmelden', 'abmelden',
  'bestellung', 'bestellen', 'warenkorb', 'kasse', 'senden', 'versand', 'danke', 'suche', 'termin',
  'termine', 'buchung', 'rueckruf', 'gaestebuch', 'startseite', 'ueber', 'uns', 'angebot', 'preise',
  'galerie', 'bilder', 'aktuelles', 'neuigkeiten', 'mitglieder', 'verein', 'stellenangebote',
];
