<?php
// Plesk's entry point for this extension (Extensions Guide, "Extension Structure").
// Requests under index.php/ui/ are the spamtrace UI itself, forwarded to the Node service
// on loopback with a signed per-request identity (plib/library/Forwarder.php); every other
// request goes to the MVC application (plib/controllers/IndexController.php), which shows
// the page with the service state and the UI in a same-origin iframe.
if (isset($_SERVER['REQUEST_URI']) && is_string($_SERVER['REQUEST_URI'])
    && preg_match('#/index\.php/ui(?:[/?]|$)#', $_SERVER['REQUEST_URI'])) {
    // pm_Context::init registers the extension's autoloader and session context
    // (plesk/pm-api-stubs pm/Context.php: init($moduleId)).
    pm_Context::init('spamtrace');
    Modules_Spamtrace_Forwarder::handle();
    exit(0);
}
$application = new pm_Application();
$application->run();
