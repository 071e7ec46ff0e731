<?php
// Plesk's entry point for this extension: hands the request to the MVC application,
// which runs plib/controllers/IndexController.php (Extensions Guide, "Extension Structure").
$application = new pm_Application();
$application->run();
