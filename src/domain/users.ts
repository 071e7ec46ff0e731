/** A system account, as getent passwd or /etc/passwd gives it. */
export interface SystemUser {
  login: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface UserDirectory {
  byUid(uid: number): SystemUser | undefined;
}
