-- The subset of the Confixx schema spamtrace reads, for tests against a real MariaDB.
--
-- Confixx's full schema was never published. Table and column NAMES come from
-- DESIGN.md ("Panels") and from the LiveConfig importer cfximport.php (Keppler IT, 2013),
-- which reads these tables from real Confixx 3.x installations. Column TYPES, lengths,
-- keys and defaults are our guesses in the style of that era (MySQL 4/5, MyISAM, latin1
-- default charset, varchar + tinyint flags); they are not copied from Confixx.
-- Columns we do not read (longpw, quotas, address fields) are kept where cfximport shows
-- them, so the adapter is tested against tables wider than what it selects.

CREATE TABLE anbieter (
  anbieter varchar(16) NOT NULL DEFAULT '',
  longpw varchar(255) NOT NULL DEFAULT '',
  maxkunden int(11) NOT NULL DEFAULT -1,
  firstname varchar(80) NOT NULL DEFAULT '',
  name varchar(80) NOT NULL DEFAULT '',
  firma varchar(120) NOT NULL DEFAULT '',
  emailadresse varchar(255) NOT NULL DEFAULT '',
  PRIMARY KEY (anbieter)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

CREATE TABLE kunden (
  kunde varchar(16) NOT NULL DEFAULT '',
  anbieter varchar(16) NOT NULL DEFAULT '',
  kundennummer varchar(32) NOT NULL DEFAULT '',
  longpw varchar(255) NOT NULL DEFAULT '',
  -- 0 = open, 1 = locked by the panel (other values: unknown)
  gesperrt tinyint(1) NOT NULL DEFAULT 0,
  gender char(1) NOT NULL DEFAULT '',
  firstname varchar(80) NOT NULL DEFAULT '',
  name varchar(80) NOT NULL DEFAULT '',
  firma varchar(120) NOT NULL DEFAULT '',
  anschrift varchar(120) NOT NULL DEFAULT '',
  plz varchar(10) NOT NULL DEFAULT '',
  plzort varchar(80) NOT NULL DEFAULT '',
  land varchar(40) NOT NULL DEFAULT '',
  telefon varchar(40) NOT NULL DEFAULT '',
  fax varchar(40) NOT NULL DEFAULT '',
  emailadresse varchar(255) NOT NULL DEFAULT '',
  maxkb int(11) NOT NULL DEFAULT -1,
  popmaxkb int(11) NOT NULL DEFAULT -1,
  PRIMARY KEY (kunde),
  KEY anbieter (anbieter)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

-- richtigedomain: 1 = a real (registered) domain, 0 or 2 = a subdomain (cfximport's reading)
-- pfad: the domain's directory below html/, "/" for html/ itself
CREATE TABLE domains (
  domain varchar(255) NOT NULL DEFAULT '',
  kunde varchar(16) NOT NULL DEFAULT '',
  pfad varchar(255) NOT NULL DEFAULT '/',
  richtigedomain tinyint(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (domain),
  KEY kunde (kunde)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

-- a mailbox: account web9p3 is the POP3/IMAP and SMTP AUTH login
CREATE TABLE pop3 (
  account varchar(32) NOT NULL DEFAULT '',
  kunde varchar(16) NOT NULL DEFAULT '',
  longpw varchar(255) NOT NULL DEFAULT '',
  maxkb int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (account),
  KEY kunde (kunde)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

-- an address prefix@domain; where it delivers is in email_forward
CREATE TABLE email (
  ident int(11) NOT NULL AUTO_INCREMENT,
  prefix varchar(64) NOT NULL DEFAULT '',
  domain varchar(255) NOT NULL DEFAULT '',
  kunde varchar(16) NOT NULL DEFAULT '',
  PRIMARY KEY (ident),
  KEY kunde (kunde)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

-- targets of an address: a local pop3 account (web9p3) or an outside address
CREATE TABLE email_forward (
  email_ident int(11) NOT NULL DEFAULT 0,
  pop3 varchar(255) NOT NULL DEFAULT '',
  KEY email_ident (email_ident)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;
