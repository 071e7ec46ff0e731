<?php
/**
 * Stand-ins for exactly the pm_* classes and methods the spamtrace extension calls, so its
 * unpacked zip runs under PHP's built-in web server (router.php). Plesk itself cannot run
 * on the test machines; these follow the signatures and docblocks of plesk/pm-api-stubs
 * (file and method cited on each), answering from a small fixture of users, roles and
 * domains (fixture.json) instead of Plesk's database. Nothing here is Plesk's code.
 */

/** pm/Exception.php: class pm_Exception extends Exception */
class pm_Exception extends Exception
{
}

final class Standin
{
    /** @var array|null */
    private static $fixture = null;

    public static function fixture()
    {
        if (self::$fixture === null) {
            $file = getenv('STANDIN_FIXTURE');
            $data = $file ? json_decode((string) file_get_contents($file), true) : null;
            if (!is_array($data)) {
                throw new RuntimeException('stand-in: STANDIN_FIXTURE is not a readable JSON fixture');
            }
            self::$fixture = $data;
        }
        return self::$fixture;
    }

    public static function root()
    {
        return rtrim((string) getenv('STANDIN_EXTENSION'), '/') . '/';
    }

    /** The logged-in user and the impersonator, from the stand-in's own cookies. */
    public static function sessionLogins()
    {
        $as = isset($_COOKIE['standin_user']) ? (string) $_COOKIE['standin_user'] : '';
        $by = isset($_COOKIE['standin_by']) ? (string) $_COOKIE['standin_by'] : '';
        return [$as, $by];
    }

    public static function clientRow($key, $value)
    {
        foreach (self::fixture()['clients'] as $c) {
            if ($c[$key] === $value) {
                return $c;
            }
        }
        throw new pm_Exception("stand-in: no client with $key " . json_encode($value));
    }

    public static function domainRow($id)
    {
        foreach (self::fixture()['domains'] as $d) {
            if ($d['id'] === (int) $id) {
                return $d;
            }
        }
        throw new pm_Exception("stand-in: no domain $id");
    }
}

/** pm/Context.php */
class pm_Context
{
    private static $moduleId = null;

    /** init($moduleId): "Initialize module context"; also registers the Modules_<Id>_ autoloader as Plesk does */
    public static function init($moduleId)
    {
        if (self::$moduleId !== null) {
            return;
        }
        self::$moduleId = $moduleId;
        $prefix = 'Modules_' . ucfirst($moduleId) . '_';
        spl_autoload_register(function ($class) use ($prefix) {
            if (strpos($class, $prefix) !== 0) {
                return;
            }
            $name = substr($class, strlen($prefix));
            foreach (['library/', 'hooks/'] as $dir) {
                $file = Standin::root() . 'plib/' . $dir . str_replace('_', '/', $name) . '.php';
                if (is_file($file)) {
                    require_once $file;
                    return;
                }
            }
        });
    }

    /** getModuleId(): "Retrieve module identity" */
    public static function getModuleId()
    {
        return self::$moduleId;
    }

    /** getPlibDir(): "Retrieve path to module's plib directory" */
    public static function getPlibDir()
    {
        return Standin::root() . 'plib/';
    }

    /** getHtdocsDir(): "Retrieve path to module's htdocs directory" */
    public static function getHtdocsDir()
    {
        return Standin::root() . 'htdocs/';
    }

    /** getBaseUrl(): "Retrieve module base URL" */
    public static function getBaseUrl()
    {
        return '/modules/' . self::$moduleId . '/';
    }

    /** getActionUrl($controller, $action = 'index') (12.0): "Retrieve URL for controller action" */
    public static function getActionUrl($controller, $action = 'index')
    {
        return self::getBaseUrl() . 'index.php/' . $controller . '/' . $action;
    }
}

/** pm/Client.php */
class pm_Client
{
    private $row;

    private function __construct(array $row)
    {
        $this->row = $row;
    }

    /** getByClientId($clientId): "Retrieve client by known id"; throws pm_Exception */
    public static function getByClientId($clientId)
    {
        return new self(Standin::clientRow('id', (int) $clientId));
    }

    /** getByLogin($login): "Throws pm_Exception if client not found." */
    public static function getByLogin($login)
    {
        return new self(Standin::clientRow('login', (string) $login));
    }

    public function isAdmin()
    {
        return $this->row['type'] === 'admin';
    }

    public function isReseller()
    {
        return $this->row['type'] === 'reseller';
    }

    /** isClient(): "Check if client is simple client/customer" */
    public function isClient()
    {
        return $this->row['type'] === 'client';
    }

    public function getId()
    {
        return $this->row['id'];
    }

    /** getLogin() (17.0) */
    public function getLogin()
    {
        return $this->row['login'];
    }

    /** hasAccessToDomain($domainId) (12.0): the admin all; a reseller its customers'; a customer its own */
    public function hasAccessToDomain($domainId)
    {
        try {
            $owner = Standin::clientRow('login', Standin::domainRow($domainId)['client']);
        } catch (pm_Exception $e) {
            return false;
        }
        if ($this->isAdmin()) {
            return true;
        }
        if ($this->isReseller()) {
            return $owner['login'] === $this->row['login'] || (isset($owner['owner']) && $owner['owner'] === $this->row['login']);
        }
        return $owner['login'] === $this->row['login'];
    }
}

/** pm/Domain.php */
class pm_Domain
{
    private $row;

    /** __construct($domainId): throws pm_Exception */
    public function __construct($domainId)
    {
        $this->row = Standin::domainRow($domainId);
    }

    /** getByDomainId($domainId) (17.0) */
    public static function getByDomainId($domainId)
    {
        return new self($domainId);
    }

    /** getDomainsByClient(pm_Client $client, $mainDomainsOnly = false) (17.0) */
    public static function getDomainsByClient(pm_Client $client, $mainDomainsOnly = false)
    {
        $out = [];
        foreach (Standin::fixture()['domains'] as $d) {
            if ($d['client'] === $client->getLogin() && (!$mainDomainsOnly || (int) $d['webspace_id'] === 0)) {
                $out[] = new self($d['id']);
            }
        }
        return $out;
    }

    public function getId()
    {
        return $this->row['id'];
    }

    /** getName(): "Retrieve domain name in ASCII format" */
    public function getName()
    {
        return $this->row['name'];
    }

    /** getProperty($name): the fixture knows webspace_id (0 on a subscription's main domain) */
    public function getProperty($name)
    {
        if (!array_key_exists($name, $this->row)) {
            throw new pm_Exception("stand-in: domain property $name is not in the fixture");
        }
        return (string) $this->row[$name];
    }
}

/** pm/Session.php */
class pm_Session
{
    private static function started()
    {
        list($as, $by) = Standin::sessionLogins();
        if ($as !== '' && session_id() === '') {
            // what the forwarder hashes into "sid": one id per stand-in login
            session_id(hash('sha256', "standin\n$as\n$by"));
        }
        return $as !== '';
    }

    /** isExist() (12.0): "Check if session is initialized or not" */
    public static function isExist()
    {
        return self::started();
    }

    /** getClient(): "Retrieve panel client for current session" (the customer while impersonating) */
    public static function getClient()
    {
        if (!self::started()) {
            throw new pm_Exception('stand-in: no session');
        }
        return pm_Client::getByLogin(Standin::sessionLogins()[0]);
    }

    /** isImpersonated(): "Check if admin/reseller is impersonated into client in hosting panel" */
    public static function isImpersonated()
    {
        return Standin::sessionLogins()[1] !== '';
    }

    /** getImpersonatedClientId(): "Retrieve id of admin/reseller which impersonated into a client" */
    public static function getImpersonatedClientId()
    {
        $by = Standin::sessionLogins()[1];
        return $by === '' ? null : pm_Client::getByLogin($by)->getId();
    }
}

/** pm/Locale.php */
class pm_Locale
{
    const FALLBACK_LOCALE = 'en-US';

    /** getCode(): "Return current locale code" */
    public static function getCode()
    {
        $f = Standin::fixture();
        return isset($f['locale']) ? $f['locale'] : self::FALLBACK_LOCALE;
    }
}

/** pm/ApiCli.php: callSbin answers from the fixture's "sbin" table (no systemd here) */
class pm_ApiCli
{
    const RESULT_FULL = 1;
    const RESULT_STDOUT = 2;
    const RESULT_STDERR = 3;
    const RESULT_CODE = 4;
    const RESULT_EXCEPTION = 5;

    /** callSbin($command, $args = [], $result = 5, $env = [], $stdin = ''): throws pm_Exception */
    public static function callSbin($command, $args = [], $result = 5, $env = [], $stdin = '')
    {
        $key = trim($command . ' ' . implode(' ', $args));
        $table = isset(Standin::fixture()['sbin']) ? Standin::fixture()['sbin'] : [];
        if (!isset($table[$key])) {
            throw new pm_Exception("stand-in: no sbin answer for \"$key\"");
        }
        $r = $table[$key] + ['code' => 0, 'stdout' => '', 'stderr' => ''];
        if ($result === self::RESULT_FULL) {
            return $r;
        }
        if ($r['code'] !== 0 && $result === self::RESULT_EXCEPTION) {
            throw new pm_Exception($r['stderr']);
        }
        return $result === self::RESULT_CODE ? $r['code'] : ($result === self::RESULT_STDERR ? $r['stderr'] : $r['stdout']);
    }
}

/** pm/Hook/CustomButtons.php: the place constants the extension uses, with the stubs' values */
abstract class pm_Hook_CustomButtons
{
    const PLACE_CUSTOMER_HOME = 4;
    const PLACE_HOSTING_PANEL_NAVIGATION = 7;
    const PLACE_DOMAIN = 8;
    const PLACE_DOMAIN_PROPERTIES = 9;
    const PLACE_ADMIN_NAVIGATION = 12;
    const PLACE_RESELLER_NAVIGATION = 13;
    const SECTION_NAV_GENERAL = 'general';
    const SECTION_NAV_HOSTING = 'hosting';
    const SECTION_NAV_SERVER_MANAGEMENT = 'server_management';

    abstract public function getButtons();
}

/** The view a controller fills and a .phtml reads (Zend_View: properties and escape()). */
#[AllowDynamicProperties]
class Standin_View
{
    public function escape($value)
    {
        return htmlspecialchars((string) $value, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }

    public function render($file)
    {
        ob_start();
        include $file;
        return ob_get_clean();
    }
}

/**
 * pm/Controller/Action.php: $_accessLevel "Possible values: 'admin', 'reseller', 'client'"
 * (enforced by the stand-in application as Plesk does); _getParam from Zend_Controller_Action.
 */
abstract class pm_Controller_Action
{
    protected $_accessLevel = [];
    /** @var Standin_View */
    public $view;

    public function __construct()
    {
        $this->view = new Standin_View();
    }

    public function init()
    {
    }

    public function accessLevel()
    {
        return (array) $this->_accessLevel;
    }

    protected function _getParam($name, $default = null)
    {
        if (isset($_GET[$name])) {
            return $_GET[$name];
        }
        return isset($_POST[$name]) ? $_POST[$name] : $default;
    }
}

/** pm/Application.php: routes index.php/CONTROLLER/ACTION to plib/controllers and its view, in a page */
class pm_Application
{
    public function run()
    {
        pm_Context::init('spamtrace');
        $path = isset($_SERVER['PATH_INFO']) ? trim($_SERVER['PATH_INFO'], '/') : '';
        $parts = $path === '' ? [] : explode('/', $path);
        $controller = isset($parts[0]) && $parts[0] !== '' ? $parts[0] : 'index';
        $action = isset($parts[1]) && $parts[1] !== '' ? $parts[1] : 'index';
        if (!preg_match('/^[a-z]+$/', $controller) || !preg_match('/^[a-z]+$/', $action)) {
            return Standin_Page::error(404, 'no such page');
        }
        if (!pm_Session::isExist()) {
            return Standin_Page::error(403, 'log in to the stand-in panel first (/standin/login?as=LOGIN)');
        }
        $class = ucfirst($controller) . 'Controller';
        $file = pm_Context::getPlibDir() . 'controllers/' . $class . '.php';
        if (!is_file($file)) {
            return Standin_Page::error(404, 'no such controller');
        }
        require_once $file;
        $c = new $class();
        $client = pm_Session::getClient();
        $type = $client->isAdmin() ? 'admin' : ($client->isReseller() ? 'reseller' : 'client');
        if (!in_array($type, $c->accessLevel(), true)) {
            return Standin_Page::error(403, "access level: $type may not open this page");
        }
        $c->init();
        $c->{$action . 'Action'}();
        $content = $c->view->render(pm_Context::getPlibDir() . "views/scripts/$controller/$action.phtml");
        Standin_Page::send(isset($c->view->pageTitle) ? $c->view->pageTitle : 'spamtrace', $content);
    }
}
